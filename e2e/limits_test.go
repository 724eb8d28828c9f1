package e2e

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHTTPLimits (SECURITY.md LR-03, SV-12) runs the real binary, whose
// http.Server (cmd/idcenter) carries the limits, and checks each one on the
// wire: 1 MB of headers gets 431 (MaxHeaderBytes); a 10 MB JSON body, or a
// Content-Length of 1 GiB, gets 413 after at most the 1 MiB cap has been
// read (MaxBytesReader), without waiting for the rest; and a client that
// trickles its headers forever is disconnected by ReadHeaderTimeout
// (10 s). The server stays healthy throughout.
func TestHTTPLimits(t *testing.T) {
	t.Parallel()
	p := start(t, t.TempDir())
	u, _ := url.Parse(p.URL)
	dial := func(t *testing.T) net.Conn {
		t.Helper()
		c, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// After the parallel subtests (cleanups run before start's kill).
	t.Cleanup(func() {
		resp, err := http.Get(p.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("/readyz after the abuse = %d", resp.StatusCode)
		}
	})
	head := "POST / HTTP/1.1\r\nHost: " + u.Host + "\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AWSIdentityStore.ListUsers\r\n"

	t.Run("1 MB of headers", func(t *testing.T) {
		t.Parallel()
		c := dial(t)
		go io.WriteString(c, head+"X-Big: "+strings.Repeat("a", 1<<20)+"\r\nContent-Length: 0\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("ReadResponse: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("1 MB header = %d, want 431", resp.StatusCode)
		}
	})

	for name, declared := range map[string]int{"10 MB JSON body": 10 << 20, "Content-Length 1 GiB": 1 << 30} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := dial(t)
			// Send 2 MiB of a JSON string and then nothing more: the answer
			// must come without the rest of the declared body.
			go func() {
				io.WriteString(c, head+"Content-Length: "+strconv.Itoa(declared)+"\r\n\r\n"+`{"IdentityStoreId":"`)
				io.WriteString(c, strings.Repeat("a", 2<<20))
			}()
			c.SetReadDeadline(time.Now().Add(20 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("ReadResponse: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.Header.Get("X-Amzn-ErrorType") != "SerializationException" {
				t.Errorf("%s = %d %s, want 413 SerializationException", name, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
			}
		})
	}

	t.Run("slowloris headers", func(t *testing.T) {
		t.Parallel()
		c := dial(t)
		start := time.Now()
		if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: "+u.Host+"\r\n"); err != nil {
			t.Fatal(err)
		}
		// One more header line a second; the server must hang up anyway.
		// The 30 s bound only stops a broken test: the limit is 10 s.
		closed := make(chan error, 1)
		go func() {
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			_, err := io.Copy(io.Discard, c)
			closed <- err
		}()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case err := <-closed:
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatalf("connection still open after %v of trickled headers", time.Since(start).Round(time.Second))
				}
				return
			case <-tick.C:
				io.WriteString(c, "X-Slow: a\r\n") // errors once the server has hung up
			}
		}
	})

}
