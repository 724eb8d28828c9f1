// Package argon2id computes argon2id (RFC 9106, version 0x13) in a caller's
// reusable memory, on the calling goroutine.
//
// Why not golang.org/x/crypto/argon2: it allocates the whole memory of
// every hash (19 MiB for idcenter's parameters) and computes each segment
// on a goroutine of its own. The allocations drive garbage collections
// whose stop-the-world phases and mark assists land on unrelated requests,
// and the goroutines run wherever the scheduler puts them, so a hash cannot
// be confined to a thread of low priority (see internal/auth's hashPool).
// Here a Memory is allocated once per hashing thread and overwritten by
// every hash, and all the work runs on the caller's goroutine: the lanes of
// a slice are computed one after the other, which RFC 9106 allows (a
// segment only references blocks of earlier slices in other lanes).
//
// The implementation is plain Go, without assembly. Reusing memory saves
// what x/crypto spends faulting in and clearing fresh pages, so a hash
// costs about as much CPU as x/crypto's SSE version; see the benchmarks.
// The tests check it against RFC 9106's test vector and against
// x/crypto's output over many parameter sets.
package argon2id

import (
	"encoding/binary"
	"errors"

	"golang.org/x/crypto/blake2b"
)

// Version is the argon2 version computed (0x13 = 19).
const Version = 0x13

const (
	blockWords = 128 // 1 KiB blocks of 64-bit words
	syncPoints = 4   // slices per pass
	typeID     = 2   // argon2id
)

type block [blockWords]uint64

// Memory is the work area of a hash: reuse it for hash after hash to
// avoid allocating (and faulting in) the memory every time. A Memory is not
// safe for concurrent use. Its zero value is ready; it grows to the largest
// memory parameter it is used with.
type Memory struct {
	b []block

	// Pace, if set, is called on the calling goroutine every PaceBlocks
	// blocks computed, so that the caller can spread a hash's work over
	// time (see internal/auth's hashPool).
	Pace func()
}

// PaceBlocks is how many blocks are computed between calls of Memory.Pace:
// about half a millisecond of work on the 2-core machines idcenter is
// sized for.
const PaceBlocks = 512

// Size returns the bytes m currently holds.
func (m *Memory) Size() int { return cap(m.b) * blockWords * 8 }

func (m *Memory) blocks(n uint32) []block {
	if uint32(cap(m.b)) < n {
		m.b = nil // let the old area go before allocating the new one
		m.b = make([]block, n)
	}
	return m.b[:n]
}

// ErrParams is returned for parameters argon2id does not define.
var ErrParams = errors.New("argon2id: invalid parameters")

// Key returns the argon2id tag of password and salt: time passes over
// memory KiB in lanes lanes, keyLen bytes long. It computes the same as
// golang.org/x/crypto/argon2.IDKey.
func (m *Memory) Key(password, salt []byte, time, memory uint32, lanes uint8, keyLen uint32) ([]byte, error) {
	return m.derive(password, salt, nil, nil, time, memory, uint32(lanes), keyLen)
}

// derive is Key with RFC 9106's optional secret and associated data.
func (m *Memory) derive(password, salt, secret, ad []byte, time, memory, lanes, keyLen uint32) ([]byte, error) {
	if time < 1 || lanes < 1 || lanes > 0xffffff || keyLen < 4 {
		return nil, ErrParams
	}
	h0 := initialHash(password, salt, secret, ad, time, memory, lanes, keyLen)

	// m' = 4p·⌊m/4p⌋ blocks, at least 8p (x/crypto rounds a smaller m up
	// the same way).
	blocks := memory / (syncPoints * lanes) * (syncPoints * lanes)
	blocks = max(blocks, 2*syncPoints*lanes)
	laneLen := blocks / lanes
	B := m.blocks(blocks)

	// The first two blocks of each lane: H'^1024(H0 || LE32(j) || LE32(lane)).
	var buf [blockWords * 8]byte
	for lane := range lanes {
		for j := range uint32(2) {
			binary.LittleEndian.PutUint32(h0[64:], j)
			binary.LittleEndian.PutUint32(h0[68:], lane)
			hPrime(buf[:], h0[:])
			b := &B[lane*laneLen+j]
			for i := range b {
				b[i] = binary.LittleEndian.Uint64(buf[8*i:])
			}
		}
	}

	f := filler{pace: m.Pace, B: B, lanes: lanes, laneLen: laneLen, segLen: laneLen / syncPoints, passes: time, blocks: blocks}
	for pass := range time {
		for slice := range uint32(syncPoints) {
			for lane := range lanes {
				f.segment(pass, slice, lane)
			}
		}
	}

	// C = XOR of the last block of every lane; tag = H'^T(C).
	c := B[laneLen-1]
	for lane := uint32(1); lane < lanes; lane++ {
		last := &B[lane*laneLen+laneLen-1]
		for i := range c {
			c[i] ^= last[i]
		}
	}
	for i, v := range c {
		binary.LittleEndian.PutUint64(buf[8*i:], v)
	}
	tag := make([]byte, keyLen)
	hPrime(tag, buf[:])
	return tag, nil
}

// initialHash returns H0 (RFC 9106 §3.2 step 1) with 8 spare bytes for
// the block and lane numbers appended when the first blocks are computed.
func initialHash(password, salt, secret, ad []byte, time, memory, lanes, keyLen uint32) [72]byte {
	h, _ := blake2b.New512(nil)
	le := func(v uint32) {
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], v)
		h.Write(b[:])
	}
	for _, v := range []uint32{lanes, keyLen, memory, time, Version, typeID} {
		le(v)
	}
	for _, s := range [][]byte{password, salt, secret, ad} {
		le(uint32(len(s)))
		h.Write(s)
	}
	var h0 [72]byte
	h.Sum(h0[:0])
	return h0
}

// hPrime is the variable-length hash H' (RFC 9106 §3.3): out = H'^len(out)(in).
func hPrime(out, in []byte) {
	var t [4]byte
	binary.LittleEndian.PutUint32(t[:], uint32(len(out)))
	if len(out) <= blake2b.Size {
		h, _ := blake2b.New(len(out), nil)
		h.Write(t[:])
		h.Write(in)
		h.Sum(out[:0])
		return
	}
	// V1 = H^64(LE32(T) || in), Vi = H^64(Vi-1) for i ≤ r, V(r+1) =
	// H^(T-32r)(Vr); out = the first 32 bytes of V1…Vr, then V(r+1).
	r := (len(out)+31)/32 - 2
	h, _ := blake2b.New512(nil)
	h.Write(t[:])
	h.Write(in)
	v := h.Sum(nil)
	copy(out, v[:32])
	for i := 1; i < r; i++ {
		s := blake2b.Sum512(v)
		v = s[:]
		copy(out[32*i:], v[:32])
	}
	last, _ := blake2b.New(len(out)-32*r, nil)
	last.Write(v)
	last.Sum(out[32*r : 32*r])
}

// filler computes the segments of one hash.
type filler struct {
	pace                    func()
	done                    uint32 // blocks computed since pace was last called
	B                       []block
	lanes, laneLen, segLen  uint32
	passes, blocks          uint32
	input, addresses, zeros block // argon2i-style address generation
}

// nextAddresses computes the next block of 128 pseudo-random reference
// words for the data-independent part: G(0, G(0, input)) with the input's
// counter incremented.
func (f *filler) nextAddresses() {
	f.input[6]++
	compress(&f.addresses, &f.zeros, &f.input, false)
	compress(&f.addresses, &f.zeros, &f.addresses, false)
}

// segment computes segment (pass, slice, lane) (RFC 9106 §3.4).
func (f *filler) segment(pass, slice, lane uint32) {
	// argon2id: the first half of the first pass indexes memory
	// independently of the password (side-channel resistance), the rest
	// by the previous block's first word.
	independent := pass == 0 && slice < syncPoints/2
	if independent {
		f.input = block{0: uint64(pass), 1: uint64(lane), 2: uint64(slice), 3: uint64(f.blocks), 4: uint64(f.passes), 5: typeID}
	}
	first := uint32(0)
	if pass == 0 && slice == 0 {
		first = 2 // computed from H0
		if independent {
			f.nextAddresses()
		}
	}
	laneStart := lane * f.laneLen
	for idx := first; idx < f.segLen; idx++ {
		cur := laneStart + slice*f.segLen + idx
		prev := cur - 1
		if slice == 0 && idx == 0 {
			prev = laneStart + f.laneLen - 1
		}
		var rnd uint64
		if independent {
			if idx%blockWords == 0 {
				f.nextAddresses()
			}
			rnd = f.addresses[idx%blockWords]
		} else {
			rnd = f.B[prev][0]
		}
		ref := f.reference(rnd, pass, slice, lane, idx)
		// Version 0x13: later passes XOR the new block into the old one.
		compress(&f.B[cur], &f.B[prev], &f.B[ref], pass > 0)
		if f.pace != nil {
			if f.done++; f.done == PaceBlocks {
				f.done = 0
				f.pace()
			}
		}
	}
}

// reference maps the pseudo-random word rnd of block idx of segment
// (pass, slice, lane) to the index in B of the block it references
// (RFC 9106 §3.4.1.2).
func (f *filler) reference(rnd uint64, pass, slice, lane, idx uint32) uint32 {
	j1, j2 := rnd&0xffffffff, rnd>>32
	refLane := uint32(j2 % uint64(f.lanes))
	if pass == 0 && slice == 0 {
		refLane = lane
	}
	// The blocks that may be referenced: finished segments (of the
	// previous three slices after the first pass), plus this segment's
	// earlier blocks in the same lane; never the previous block, nor in
	// another lane the block that lane is computing.
	var area uint32
	if pass == 0 {
		area = slice * f.segLen
	} else {
		area = f.laneLen - f.segLen
	}
	if refLane == lane {
		area += idx - 1
	} else if idx == 0 {
		area--
	}
	x := (j1 * j1) >> 32
	y := (uint64(area) * x) >> 32
	rel := uint64(area) - 1 - y
	var start uint64
	if pass > 0 && slice != syncPoints-1 {
		start = uint64((slice + 1) * f.segLen)
	}
	return refLane*f.laneLen + uint32((start+rel)%uint64(f.laneLen))
}
