package argon2id

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"runtime"
	"testing"

	"golang.org/x/crypto/argon2"
)

// TestRFC9106 checks the argon2id test vector of RFC 9106 §5.3 (with a
// secret and associated data, which x/crypto cannot take).
func TestRFC9106(t *testing.T) {
	var m Memory
	got, err := m.derive(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 16), bytes.Repeat([]byte{3}, 8), bytes.Repeat([]byte{4}, 12), 3, 32, 4, 32)
	if err != nil {
		t.Fatal(err)
	}
	want := "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"
	if hex.EncodeToString(got) != want {
		t.Errorf("RFC 9106 argon2id tag = %x, want %s", got, want)
	}
}

// TestMatchesXCrypto compares Key with x/crypto's IDKey over parameter
// sets covering one and several lanes, one and several passes, memory not
// a multiple of 4·lanes or below 8·lanes, more than 128 blocks per segment
// (several address blocks), tags shorter and longer than 64 bytes, and
// idcenter's own parameters, with one Memory reused throughout, growing and
// shrinking.
func TestMatchesXCrypto(t *testing.T) {
	var m Memory
	type params struct {
		time, memory uint32
		lanes        uint8
		keyLen       uint32
	}
	cases := []params{
		{1, 8, 1, 32}, {1, 7, 1, 32}, {2, 64, 1, 32}, {3, 1024, 1, 16}, {1, 2048, 1, 64}, {2, 19 * 1024, 1, 32},
		{1, 16, 2, 32}, {2, 100, 3, 32}, {3, 256, 4, 65}, {1, 1030, 8, 100}, {4, 64, 1, 4}, {2, 520, 1, 1024},
		{2, 19 * 1024, 1, 32}, {1, 8, 1, 32},
	}
	for i, c := range cases {
		pw := []byte(fmt.Sprintf("password %d", i))
		salt := []byte(fmt.Sprintf("salt of case %d", i))
		got, err := m.Key(pw, salt, c.time, c.memory, c.lanes, c.keyLen)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		want := argon2.IDKey(pw, salt, c.time, c.memory, c.lanes, c.keyLen)
		if !bytes.Equal(got, want) {
			t.Errorf("%+v: Key = %x, x/crypto IDKey = %x", c, got, want)
		}
	}
	// Empty password and salt.
	got, _ := m.Key(nil, nil, 1, 64, 1, 32)
	if want := argon2.IDKey(nil, nil, 1, 64, 1, 32); !bytes.Equal(got, want) {
		t.Errorf("empty inputs: Key = %x, x/crypto IDKey = %x", got, want)
	}
}

func TestInvalidParams(t *testing.T) {
	var m Memory
	for _, c := range []struct {
		time   uint32
		lanes  uint8
		keyLen uint32
	}{{0, 1, 32}, {1, 0, 32}, {1, 1, 3}} {
		if _, err := m.Key([]byte("pw"), []byte("saltsalt"), c.time, 64, c.lanes, c.keyLen); err != ErrParams {
			t.Errorf("Key(time %d, lanes %d, keyLen %d) error = %v, want ErrParams", c.time, c.lanes, c.keyLen, err)
		}
	}
}

// TestPace checks that Memory.Pace is called once per PaceBlocks blocks
// computed, over one hash and across lanes and passes, and that pacing
// does not change the tag.
func TestPace(t *testing.T) {
	for _, c := range []struct {
		time, memory uint32
		lanes        uint8
	}{{1, 8, 1}, {1, 1024, 1}, {2, 1024, 1}, {3, 1030, 4}, {2, 19 * 1024, 1}} {
		var m Memory
		calls := 0
		m.Pace = func() { calls++ }
		pw, salt := []byte("paced password"), []byte("paced salt")
		got, err := m.Key(pw, salt, c.time, c.memory, c.lanes, 32)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if want := argon2.IDKey(pw, salt, c.time, c.memory, c.lanes, 32); !bytes.Equal(got, want) {
			t.Errorf("%+v: paced Key = %x, x/crypto IDKey = %x", c, got, want)
		}
		// Every block of every pass is computed by compress, except the
		// first two of each lane, which come from H0.
		lanes := uint32(c.lanes)
		blocks := max(c.memory/(4*lanes)*(4*lanes), 8*lanes)
		computed := c.time*blocks - 2*lanes
		if want := int(computed / PaceBlocks); calls != want {
			t.Errorf("%+v: Pace called %d times for %d blocks, want %d", c, calls, computed, want)
		}
	}
}

func TestMemoryReused(t *testing.T) {
	var m Memory
	m.Key([]byte("pw"), []byte("saltsalt"), 1, 1024, 1, 32)
	size := m.Size()
	if size != 1024*1024 {
		t.Fatalf("Size after a 1024 KiB hash = %d", size)
	}
	// A reused Memory allocates only small hashing state, not blocks.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m.Key([]byte("pw"), []byte("saltsalt"), 1, 1024, 1, 32)
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
		t.Errorf("a hash with a reused 1 MiB Memory allocated %d bytes", n)
	}
	if m.Size() != size {
		t.Errorf("Size changed to %d on reuse", m.Size())
	}
}

// The hash at idcenter's parameters: with a reused Memory, with a fresh
// one, and x/crypto's.
func BenchmarkKey(b *testing.B) {
	pw, salt := []byte("correct horse battery staple"), []byte("0123456789abcdef")
	b.Run("reused", func(b *testing.B) {
		var m Memory
		for b.Loop() {
			m.Key(pw, salt, 2, 19*1024, 1, 32)
		}
	})
	b.Run("fresh", func(b *testing.B) {
		for b.Loop() {
			var m Memory
			m.Key(pw, salt, 2, 19*1024, 1, 32)
		}
	})
	b.Run("x-crypto", func(b *testing.B) {
		for b.Loop() {
			argon2.IDKey(pw, salt, 2, 19*1024, 1, 32)
		}
	})
}
