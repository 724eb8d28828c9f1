// Command loadgen measures idcenter (and, for comparison, moto_server) with
// SigV4-signed AWS JSON requests over loopback. It is the source of the
// figures in BENCHMARKS.md.
//
//	go run ./tools/loadgen -mode identitystore -url http://127.0.0.1:8080 \
//	    -key AKIA… -secret … -store d-… -sizes 1000,10000,100000
//
// For each store size it first grows the directory to that many users with
// CreateUser calls (measured at -create-clients concurrent clients), then
// runs DescribeUser, GetUserId, ListUsers (MaxResults=100, first page) and a
// filtered ListUsers lookup, each for -n requests at -clients concurrent
// clients, and prints throughput, p50/p99 latency and the count of 5xx
// answers. Every loop is bounded by -n and by -max-duration.
//
// Requests go through internal/jsonclient: signed with the AWS SDK's SigV4
// signer per request and sent on keep-alive connections, deliberately lean
// so that on a small machine the client leaves the cores to the server
// under test.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/idcenter/idcenter/internal/jsonclient"
)

// client is the identitystore client of one identity store.
type client struct {
	*jsonclient.Client
	storeID string
}

type result struct {
	status int
	body   []byte
}

func (c *client) call(ctx context.Context, target string, in any) (result, error) {
	status, body, err := c.Do(ctx, target, in)
	return result{status: status, body: body}, err
}

// stats is one measured run.
type stats struct {
	name      string
	users     int
	clients   int
	n         int
	errs      int
	fivexx    int
	elapsed   time.Duration
	latencies []time.Duration
}

func (s *stats) String() string {
	sort.Slice(s.latencies, func(i, j int) bool { return s.latencies[i] < s.latencies[j] })
	pct := func(p float64) time.Duration {
		if len(s.latencies) == 0 {
			return 0
		}
		return s.latencies[min(len(s.latencies)-1, int(p*float64(len(s.latencies))))]
	}
	return fmt.Sprintf("| %s | %d | %d | %d | %.0f | %.2f | %.2f | %d | %d |",
		s.name, s.users, s.clients, s.n, float64(s.n)/s.elapsed.Seconds(),
		float64(pct(0.50).Microseconds())/1000, float64(pct(0.99).Microseconds())/1000, s.fivexx, s.errs)
}

// run sends n requests from `clients` workers; req builds request i.
func run(name string, users, clients, n int, maxDur time.Duration, do func(ctx context.Context, i int) (int, error)) *stats {
	ctx, cancel := context.WithTimeout(context.Background(), maxDur)
	defer cancel()
	var next atomic.Int64
	var mu sync.Mutex
	st := &stats{name: name, users: users, clients: clients}
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			errs, fivexx := 0, 0
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					break
				}
				t0 := time.Now()
				status, err := do(ctx, i)
				lat = append(lat, time.Since(t0))
				if status >= 500 {
					fivexx++
				}
				if err != nil || status != 200 {
					errs++
				}
			}
			mu.Lock()
			st.latencies = append(st.latencies, lat...)
			st.errs += errs
			st.fivexx += fivexx
			mu.Unlock()
		}()
	}
	wg.Wait()
	st.elapsed = time.Since(start)
	st.n = len(st.latencies)
	return st
}

func main() {
	var (
		url         = flag.String("url", "http://127.0.0.1:8080", "server base URL")
		key         = flag.String("key", os.Getenv("AWS_ACCESS_KEY_ID"), "access key id")
		secret      = flag.String("secret", os.Getenv("AWS_SECRET_ACCESS_KEY"), "secret access key")
		storeID     = flag.String("store", "", "identity store id")
		sizes       = flag.String("sizes", "1000,10000,100000", "store sizes (users) to measure at")
		clients     = flag.Int("clients", 4, "concurrent clients for lookups")
		createC     = flag.Int("create-clients", 4, "concurrent clients for CreateUser")
		n           = flag.Int("n", 20000, "requests per lookup run")
		listSizes   = flag.String("list-at", "10000", "sizes at which to run ListUsers (all sizes if empty)")
		label       = flag.String("label", "idcenter", "label printed with each row")
		maxDuration = flag.Duration("max-duration", 60*time.Second, "upper bound on each run")
	)
	flag.Parse()
	tr := &http.Transport{
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}
	c := &client{Client: jsonclient.New(*url, aws.Credentials{AccessKeyID: *key, SecretAccessKey: *secret}, "identitystore", &http.Client{Transport: tr, Timeout: 30 * time.Second}), storeID: *storeID}

	fmt.Printf("| %s: operation | users in store | clients | requests | req/s | p50 ms | p99 ms | 5xx | non-200 |\n|---|---|---|---|---|---|---|---|---|\n", *label)
	have := 0
	var ids []string
	var idsMu sync.Mutex
	listAt := map[int]bool{}
	for _, s := range strings.Split(*listSizes, ",") {
		if v, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			listAt[v] = true
		}
	}
	for _, s := range strings.Split(*sizes, ",") {
		size, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad -sizes:", err)
			os.Exit(2)
		}
		if size > have {
			base := have
			st := run("CreateUser", size, *createC, size-base, 30*time.Minute, func(ctx context.Context, i int) (int, error) {
				name := fmt.Sprintf("u%07d", base+i)
				r, err := c.call(ctx, "AWSIdentityStore.CreateUser", map[string]any{
					"IdentityStoreId": c.storeID, "UserName": name, "DisplayName": "User " + name,
					"Name":   map[string]string{"GivenName": "U", "FamilyName": name},
					"Emails": []map[string]any{{"Value": name + "@example.com", "Type": "work", "Primary": true}},
				})
				if err == nil && r.status == 200 {
					var out struct{ UserId string }
					if json.Unmarshal(r.body, &out) == nil {
						idsMu.Lock()
						ids = append(ids, out.UserId)
						idsMu.Unlock()
					}
				}
				return r.status, err
			})
			fmt.Println(st)
			have = size
		}
		if len(ids) == 0 {
			fmt.Fprintln(os.Stderr, "no users created")
			os.Exit(1)
		}
		pick := func() int { return rand.IntN(len(ids)) }
		fmt.Println(run("DescribeUser", have, *clients, *n, *maxDuration, func(ctx context.Context, i int) (int, error) {
			r, err := c.call(ctx, "AWSIdentityStore.DescribeUser", map[string]any{"IdentityStoreId": c.storeID, "UserId": ids[pick()]})
			return r.status, err
		}))
		fmt.Println(run("GetUserId (userName)", have, *clients, *n, *maxDuration, func(ctx context.Context, i int) (int, error) {
			j := rand.IntN(have)
			r, err := c.call(ctx, "AWSIdentityStore.GetUserId", map[string]any{"IdentityStoreId": c.storeID,
				"AlternateIdentifier": map[string]any{"UniqueAttribute": map[string]any{"AttributePath": "userName", "AttributeValue": fmt.Sprintf("u%07d", j)}}})
			return r.status, err
		}))
		fmt.Println(run("ListUsers filtered (UserName)", have, *clients, *n, *maxDuration, func(ctx context.Context, i int) (int, error) {
			j := rand.IntN(have)
			r, err := c.call(ctx, "AWSIdentityStore.ListUsers", map[string]any{"IdentityStoreId": c.storeID,
				"Filters": []map[string]string{{"AttributePath": "UserName", "AttributeValue": fmt.Sprintf("u%07d", j)}}})
			return r.status, err
		}))
		if len(listAt) == 0 || listAt[size] {
			fmt.Println(run("ListUsers MaxResults=100", have, *clients, max(*n/10, 100), *maxDuration, func(ctx context.Context, i int) (int, error) {
				r, err := c.call(ctx, "AWSIdentityStore.ListUsers", map[string]any{"IdentityStoreId": c.storeID, "MaxResults": 100})
				return r.status, err
			}))
		}
	}
}
