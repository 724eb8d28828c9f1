package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"sync"
)

// keyCacheSize bounds the number of derived signing keys a Verifier keeps.
// A derived key is valid for one (secret, day, region, service), so the
// working set is about the number of active access keys.
const keyCacheSize = 1024

// keyCache maps a hash of (secret, date, region, service) to the signing key
// derived from them. Hashing the secret into the map key means a rotated
// secret never finds the entry of its predecessor, and no secret is kept.
type keyCache struct {
	mu sync.Mutex
	m  map[[32]byte][32]byte
}

// signingKey returns the SigV4 signing key for secret and the credential
// scope, from the cache when possible:
//
//	kDate    = HMAC("AWS4" + secret, date)
//	kRegion  = HMAC(kDate, region)
//	kService = HMAC(kRegion, service)
//	kSigning = HMAC(kService, "aws4_request")
func (c *keyCache) signingKey(secret []byte, date, region, service string) [32]byte {
	id := cacheID(secret, date, region, service)
	c.mu.Lock()
	k, ok := c.m[id]
	c.mu.Unlock()
	if ok {
		return k
	}

	ks := make([]byte, 0, 4+len(secret))
	ks = append(append(ks, "AWS4"...), secret...)
	kDate := hmacSHA256(ks, date)
	clear(ks)
	kRegion := hmacSHA256(kDate[:], region)
	kService := hmacSHA256(kRegion[:], service)
	k = hmacSHA256(kService[:], terminator)

	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[[32]byte][32]byte)
	}
	if len(c.m) >= keyCacheSize {
		// Evict an arbitrary entry; map iteration order is randomized.
		for old := range c.m {
			delete(c.m, old)
			break
		}
	}
	c.m[id] = k
	c.mu.Unlock()
	return k
}

// cacheID hashes the inputs of a key derivation, each length-prefixed so
// that no two different inputs share an encoding.
func cacheID(secret []byte, date, region, service string) [32]byte {
	var stack [192]byte
	b := stack[:0]
	for _, s := range [...]string{date, region, service} {
		b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.BigEndian.AppendUint64(b, uint64(len(secret)))
	b = append(b, secret...)
	id := sha256.Sum256(b)
	clear(b)
	return id
}

func hmacSHA256(key []byte, data string) [32]byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	var out [32]byte
	m.Sum(out[:0])
	return out
}
