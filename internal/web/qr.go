package web

import (
	"errors"
	"fmt"
	"html/template"
	"strings"
)

// This file is a small QR code encoder (ISO/IEC 18004:2015) for the TOTP
// enrolment page: byte mode only, error correction level M, versions 1 to
// 40, rendered as inline SVG. A few hundred lines of our own tested code
// instead of a dependency (STYLE.md); the tables and the construction follow
// the standard as Project Nayuki's public-domain qrcodegen lays it out.

// qrECCPerBlock and qrBlocks are, for level M and versions 1..40 (index 0
// unused), the error correction codewords per block and the number of
// blocks (ISO/IEC 18004 Table 9).
var (
	qrECCPerBlock = [41]int{0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28}
	qrBlocks      = [41]int{0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49}
)

// qrFormatM is level M's two format bits.
const qrFormatM = 0

// errQRTooLong means the text does not fit a version-40 symbol.
var errQRTooLong = errors.New("qr: text too long")

// qrCode is an encoded symbol: size×size modules, true is dark.
type qrCode struct {
	size     int
	modules  [][]bool
	function [][]bool
}

// qrRawModules returns the number of data and error correction modules of
// a version (everything but function patterns and format/version bits).
func qrRawModules(ver int) int {
	n := (16*ver+128)*ver + 64
	if ver >= 2 {
		align := ver/7 + 2
		n -= (25*align-10)*align - 55
		if ver >= 7 {
			n -= 36
		}
	}
	return n
}

// qrDataCodewords returns how many data codewords a level-M symbol of ver
// holds.
func qrDataCodewords(ver int) int {
	return qrRawModules(ver)/8 - qrECCPerBlock[ver]*qrBlocks[ver]
}

// encodeQR encodes data in byte mode in the smallest level-M version that
// holds it.
func encodeQR(data []byte) (*qrCode, error) {
	ver := 0
	for v := 1; v <= 40; v++ {
		countBits := 8
		if v >= 10 {
			countBits = 16
		}
		if 4+countBits+8*len(data) <= 8*qrDataCodewords(v) && len(data) < 1<<countBits {
			ver = v
			break
		}
	}
	if ver == 0 {
		return nil, errQRTooLong
	}
	// Bit stream: mode, count, data, terminator, padding (§7.4).
	var bits []bool
	put := func(v, n int) {
		for i := n - 1; i >= 0; i-- {
			bits = append(bits, (v>>i)&1 == 1)
		}
	}
	put(0b0100, 4)
	if ver >= 10 {
		put(len(data), 16)
	} else {
		put(len(data), 8)
	}
	for _, b := range data {
		put(int(b), 8)
	}
	capBits := 8 * qrDataCodewords(ver)
	put(0, min(4, capBits-len(bits)))
	put(0, (8-len(bits)%8)%8)
	for pad := 0xEC; len(bits) < capBits; pad ^= 0xEC ^ 0x11 {
		put(pad, 8)
	}
	codewords := make([]byte, len(bits)/8)
	for i, b := range bits {
		if b {
			codewords[i/8] |= 1 << (7 - i%8)
		}
	}

	q := &qrCode{size: 4*ver + 17}
	q.modules = make([][]bool, q.size)
	q.function = make([][]bool, q.size)
	for i := range q.size {
		q.modules[i] = make([]bool, q.size)
		q.function[i] = make([]bool, q.size)
	}
	q.drawFunctionPatterns(ver)
	q.drawCodewords(qrInterleave(ver, codewords))

	// Choose the mask with the lowest penalty (§7.8.3).
	best, bestScore := 0, -1
	for m := range 8 {
		q.applyMask(m)
		q.drawFormat(m)
		if s := q.penalty(); bestScore < 0 || s < bestScore {
			best, bestScore = m, s
		}
		q.applyMask(m) // undo (XOR)
	}
	q.applyMask(best)
	q.drawFormat(best)
	return q, nil
}

func (q *qrCode) set(x, y int, dark bool) {
	q.modules[y][x] = dark
	q.function[y][x] = true
}

func (q *qrCode) drawFunctionPatterns(ver int) {
	for i := range q.size {
		q.set(6, i, i%2 == 0)
		q.set(i, 6, i%2 == 0)
	}
	for _, c := range [][2]int{{3, 3}, {q.size - 4, 3}, {3, q.size - 4}} {
		for dy := -4; dy <= 4; dy++ {
			for dx := -4; dx <= 4; dx++ {
				x, y := c[0]+dx, c[1]+dy
				if x < 0 || y < 0 || x >= q.size || y >= q.size {
					continue
				}
				d := max(abs(dx), abs(dy))
				q.set(x, y, d != 2 && d != 4)
			}
		}
	}
	pos := qrAlignmentPositions(ver, q.size)
	n := len(pos)
	for i := range n {
		for j := range n {
			if (i == 0 && j == 0) || (i == 0 && j == n-1) || (i == n-1 && j == 0) {
				continue // the finder patterns are there
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					q.set(pos[i]+dx, pos[j]+dy, max(abs(dx), abs(dy)) != 1)
				}
			}
		}
	}
	q.drawFormat(0) // reserve the format areas; redrawn after masking
	if ver >= 7 {
		rem := ver
		for range 12 {
			rem = rem<<1 ^ (rem>>11)*0x1F25
		}
		v := ver<<12 | rem
		for i := range 18 {
			dark := (v>>i)&1 == 1
			a, b := q.size-11+i%3, i/3
			q.set(a, b, dark)
			q.set(b, a, dark)
		}
	}
}

// qrAlignmentPositions returns the centre coordinates of the alignment
// patterns of a version (Annex E).
func qrAlignmentPositions(ver, size int) []int {
	if ver == 1 {
		return nil
	}
	n := ver/7 + 2
	step := (ver*8 + n*3 + 5) / (n*4 - 4) * 2
	pos := make([]int, n)
	pos[0] = 6
	for i, p := n-1, size-7; i >= 1; i, p = i-1, p-step {
		pos[i] = p
	}
	return pos
}

// drawFormat draws both copies of the format information for level M and
// mask (§7.9, BCH(15,5) with mask 0x5412).
func (q *qrCode) drawFormat(mask int) {
	data := qrFormatM<<3 | mask
	rem := data
	for range 10 {
		rem = rem<<1 ^ (rem>>9)*0x537
	}
	bits := (data<<10 | rem) ^ 0x5412
	bit := func(i int) bool { return (bits>>i)&1 == 1 }
	for i := 0; i <= 5; i++ {
		q.set(8, i, bit(i))
	}
	q.set(8, 7, bit(6))
	q.set(8, 8, bit(7))
	q.set(7, 8, bit(8))
	for i := 9; i < 15; i++ {
		q.set(14-i, 8, bit(i))
	}
	for i := range 8 {
		q.set(q.size-1-i, 8, bit(i))
	}
	for i := 8; i < 15; i++ {
		q.set(8, q.size-15+i, bit(i))
	}
	q.set(8, q.size-8, true) // the dark module
}

// qrInterleave splits data into blocks, appends each block's Reed-Solomon
// error correction and interleaves the result (§7.5, §7.6).
func qrInterleave(ver int, data []byte) []byte {
	nBlocks, eccLen := qrBlocks[ver], qrECCPerBlock[ver]
	raw := qrRawModules(ver) / 8
	nShort := nBlocks - raw%nBlocks
	shortLen := raw / nBlocks
	div := rsDivisor(eccLen)
	blocks := make([][]byte, 0, nBlocks)
	k := 0
	for i := range nBlocks {
		n := shortLen - eccLen
		if i >= nShort {
			n++
		}
		dat := append([]byte(nil), data[k:k+n]...)
		k += n
		ecc := rsRemainder(dat, div)
		if i < nShort {
			dat = append(dat, 0) // placeholder, skipped below
		}
		blocks = append(blocks, append(dat, ecc...))
	}
	out := make([]byte, 0, raw)
	for i := range blocks[0] {
		for j, b := range blocks {
			if i != shortLen-eccLen || j >= nShort {
				out = append(out, b[i])
			}
		}
	}
	return out
}

// rsMul multiplies in GF(2^8) modulo x^8+x^4+x^3+x^2+1.
func rsMul(x, y byte) byte {
	var z int
	for i := 7; i >= 0; i-- {
		z = z<<1 ^ (z>>7)*0x11D
		z ^= int(y>>i&1) * int(x)
	}
	return byte(z)
}

// rsDivisor returns the generator polynomial of the given degree, highest
// coefficient first and the leading 1 omitted.
func rsDivisor(degree int) []byte {
	r := make([]byte, degree)
	r[degree-1] = 1
	root := byte(1)
	for range degree {
		for j := range degree {
			r[j] = rsMul(r[j], root)
			if j+1 < degree {
				r[j] ^= r[j+1]
			}
		}
		root = rsMul(root, 2)
	}
	return r
}

func rsRemainder(data, div []byte) []byte {
	r := make([]byte, len(div))
	for _, b := range data {
		f := b ^ r[0]
		copy(r, r[1:])
		r[len(r)-1] = 0
		for i := range r {
			r[i] ^= rsMul(div[i], f)
		}
	}
	return r
}

// drawCodewords places the codewords in the zigzag order of §7.7.3.
func (q *qrCode) drawCodewords(data []byte) {
	i := 0
	for right := q.size - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5 // skip the vertical timing pattern
		}
		for vert := range q.size {
			for j := range 2 {
				x := right - j
				y := vert
				if (right+1)&2 == 0 {
					y = q.size - 1 - vert
				}
				if !q.function[y][x] && i < len(data)*8 {
					q.modules[y][x] = (data[i>>3]>>(7-i&7))&1 == 1
					i++
				}
			}
		}
	}
}

// applyMask XORs a mask pattern (§7.8.2) onto the data modules.
func (q *qrCode) applyMask(m int) {
	for y := range q.size {
		for x := range q.size {
			var inv bool
			switch m {
			case 0:
				inv = (x+y)%2 == 0
			case 1:
				inv = y%2 == 0
			case 2:
				inv = x%3 == 0
			case 3:
				inv = (x+y)%3 == 0
			case 4:
				inv = (x/3+y/2)%2 == 0
			case 5:
				inv = x*y%2+x*y%3 == 0
			case 6:
				inv = (x*y%2+x*y%3)%2 == 0
			case 7:
				inv = ((x+y)%2+x*y%3)%2 == 0
			}
			if inv && !q.function[y][x] {
				q.modules[y][x] = !q.modules[y][x]
			}
		}
	}
}

// penalty scores a masked symbol with rules 1, 2 and 4 of §7.8.3 (runs,
// 2×2 blocks, dark balance). Rule 3 (finder look-alikes) is left out: it
// only steers the choice between valid masks.
func (q *qrCode) penalty() int {
	score := 0
	for y := range q.size {
		for _, line := range [2]func(i int) bool{
			func(i int) bool { return q.modules[y][i] },
			func(i int) bool { return q.modules[i][y] },
		} {
			run := 1
			for i := 1; i < q.size; i++ {
				if line(i) == line(i-1) {
					run++
					continue
				}
				if run >= 5 {
					score += run - 2
				}
				run = 1
			}
			if run >= 5 {
				score += run - 2
			}
		}
	}
	dark := 0
	for y := range q.size {
		for x := range q.size {
			c := q.modules[y][x]
			if c {
				dark++
			}
			if x+1 < q.size && y+1 < q.size && c == q.modules[y][x+1] && c == q.modules[y+1][x] && c == q.modules[y+1][x+1] {
				score += 3
			}
		}
	}
	total := q.size * q.size
	k := (abs(dark*20-total*10)+total-1)/total - 1
	return score + max(0, k)*10
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// svg renders the symbol as an inline SVG image with a 4-module quiet zone,
// labelled for assistive technology.
func (q *qrCode) svg(label string) template.HTML {
	n := q.size + 8
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" class="qr" role="img" aria-label="%s" shape-rendering="crispEdges">`, n, n, template.HTMLEscapeString(label))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y := range q.size {
		for x := range q.size {
			if q.modules[y][x] {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+4, y+4)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String())
}
