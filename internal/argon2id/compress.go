package argon2id

import "math/bits"

// compress computes the compression function G (RFC 9106 §3.5):
// R = x ⊕ y, Q = P applied to R's rows, Z = P applied to Q's columns,
// out = Z ⊕ R, or out ⊕= Z ⊕ R if xor. out may be x or y.
//
// R is viewed as an 8×8 matrix of 16-byte registers (two words each): a
// row is 16 consecutive words, a column the two words at 2i and 2i+1 of
// every row. Columns are gathered into a local array so that one
// function, permute, serves both.
func compress(out, x, y *block, xor bool) {
	var r, z block
	for i := range r {
		r[i] = x[i] ^ y[i]
	}
	z = r
	for i := 0; i < blockWords; i += 16 {
		permute((*[16]uint64)(z[i : i+16]))
	}
	var col [16]uint64
	for i := 0; i < 16; i += 2 {
		c := (*[114]uint64)(z[i : i+114]) // constant indices below: no bounds checks
		for k := range 8 {
			col[2*k], col[2*k+1] = c[16*k], c[16*k+1]
		}
		permute(&col)
		for k := range 8 {
			c[16*k], c[16*k+1] = col[2*k], col[2*k+1]
		}
	}
	if xor {
		for i := range out {
			out[i] ^= z[i] ^ r[i]
		}
	} else {
		for i := range out {
			out[i] = z[i] ^ r[i]
		}
	}
}

// permute is the permutation P (RFC 9106 §3.6) on eight registers
// v[0:2], v[2:4], …, v[14:16]: GB on the columns of the 4×4 word matrix,
// then on its diagonals, as in BLAKE2b, where GB is BLAKE2b's G with each
// addition a+b replaced by a+b+2·lo(a)·lo(b) (lo: the low 32 bits), the
// BlaMka function. GB is written out eight times: as a function the
// compiler would not inline it, and this is the innermost loop of a hash.
func permute(v *[16]uint64) {
	v0, v1, v2, v3, v4, v5, v6, v7 := v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
	v8, v9, v10, v11, v12, v13, v14, v15 := v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]

	// Columns of the 4×4 word matrix.
	v0 += v4 + 2*uint64(uint32(v0))*uint64(uint32(v4))
	v12 = bits.RotateLeft64(v12^v0, -32)
	v8 += v12 + 2*uint64(uint32(v8))*uint64(uint32(v12))
	v4 = bits.RotateLeft64(v4^v8, -24)
	v0 += v4 + 2*uint64(uint32(v0))*uint64(uint32(v4))
	v12 = bits.RotateLeft64(v12^v0, -16)
	v8 += v12 + 2*uint64(uint32(v8))*uint64(uint32(v12))
	v4 = bits.RotateLeft64(v4^v8, -63)
	v1 += v5 + 2*uint64(uint32(v1))*uint64(uint32(v5))
	v13 = bits.RotateLeft64(v13^v1, -32)
	v9 += v13 + 2*uint64(uint32(v9))*uint64(uint32(v13))
	v5 = bits.RotateLeft64(v5^v9, -24)
	v1 += v5 + 2*uint64(uint32(v1))*uint64(uint32(v5))
	v13 = bits.RotateLeft64(v13^v1, -16)
	v9 += v13 + 2*uint64(uint32(v9))*uint64(uint32(v13))
	v5 = bits.RotateLeft64(v5^v9, -63)
	v2 += v6 + 2*uint64(uint32(v2))*uint64(uint32(v6))
	v14 = bits.RotateLeft64(v14^v2, -32)
	v10 += v14 + 2*uint64(uint32(v10))*uint64(uint32(v14))
	v6 = bits.RotateLeft64(v6^v10, -24)
	v2 += v6 + 2*uint64(uint32(v2))*uint64(uint32(v6))
	v14 = bits.RotateLeft64(v14^v2, -16)
	v10 += v14 + 2*uint64(uint32(v10))*uint64(uint32(v14))
	v6 = bits.RotateLeft64(v6^v10, -63)
	v3 += v7 + 2*uint64(uint32(v3))*uint64(uint32(v7))
	v15 = bits.RotateLeft64(v15^v3, -32)
	v11 += v15 + 2*uint64(uint32(v11))*uint64(uint32(v15))
	v7 = bits.RotateLeft64(v7^v11, -24)
	v3 += v7 + 2*uint64(uint32(v3))*uint64(uint32(v7))
	v15 = bits.RotateLeft64(v15^v3, -16)
	v11 += v15 + 2*uint64(uint32(v11))*uint64(uint32(v15))
	v7 = bits.RotateLeft64(v7^v11, -63)

	// Diagonals.
	v0 += v5 + 2*uint64(uint32(v0))*uint64(uint32(v5))
	v15 = bits.RotateLeft64(v15^v0, -32)
	v10 += v15 + 2*uint64(uint32(v10))*uint64(uint32(v15))
	v5 = bits.RotateLeft64(v5^v10, -24)
	v0 += v5 + 2*uint64(uint32(v0))*uint64(uint32(v5))
	v15 = bits.RotateLeft64(v15^v0, -16)
	v10 += v15 + 2*uint64(uint32(v10))*uint64(uint32(v15))
	v5 = bits.RotateLeft64(v5^v10, -63)
	v1 += v6 + 2*uint64(uint32(v1))*uint64(uint32(v6))
	v12 = bits.RotateLeft64(v12^v1, -32)
	v11 += v12 + 2*uint64(uint32(v11))*uint64(uint32(v12))
	v6 = bits.RotateLeft64(v6^v11, -24)
	v1 += v6 + 2*uint64(uint32(v1))*uint64(uint32(v6))
	v12 = bits.RotateLeft64(v12^v1, -16)
	v11 += v12 + 2*uint64(uint32(v11))*uint64(uint32(v12))
	v6 = bits.RotateLeft64(v6^v11, -63)
	v2 += v7 + 2*uint64(uint32(v2))*uint64(uint32(v7))
	v13 = bits.RotateLeft64(v13^v2, -32)
	v8 += v13 + 2*uint64(uint32(v8))*uint64(uint32(v13))
	v7 = bits.RotateLeft64(v7^v8, -24)
	v2 += v7 + 2*uint64(uint32(v2))*uint64(uint32(v7))
	v13 = bits.RotateLeft64(v13^v2, -16)
	v8 += v13 + 2*uint64(uint32(v8))*uint64(uint32(v13))
	v7 = bits.RotateLeft64(v7^v8, -63)
	v3 += v4 + 2*uint64(uint32(v3))*uint64(uint32(v4))
	v14 = bits.RotateLeft64(v14^v3, -32)
	v9 += v14 + 2*uint64(uint32(v9))*uint64(uint32(v14))
	v4 = bits.RotateLeft64(v4^v9, -24)
	v3 += v4 + 2*uint64(uint32(v3))*uint64(uint32(v4))
	v14 = bits.RotateLeft64(v14^v3, -16)
	v9 += v14 + 2*uint64(uint32(v9))*uint64(uint32(v14))
	v4 = bits.RotateLeft64(v4^v9, -63)

	v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] = v0, v1, v2, v3, v4, v5, v6, v7
	v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15] = v8, v9, v10, v11, v12, v13, v14, v15
}
