// Command ssoadmin measures CreateAccountAssignment against a running
// server — the `idcenter serve` binary, as deployed, in its own process —
// and prints one Markdown table row per run: requests, req/s, p50/p99
// latency, the p99 until DescribeAccountAssignmentCreationStatus shows
// SUCCEEDED, and the CPU each process spent per request.
//
//	eval "$(scripts/pg.sh start /tmp/pg)"
//	idcenter serve -data-dir /tmp/idc -db "$IDCENTER_TEST_POSTGRES" &
//	go run ./tools/loadgen/ssoadmin -url http://127.0.0.1:8080 \
//	    -credentials /tmp/idc/admin-credentials -server-pid $! -pg-pid "$(head -1 /tmp/pg/data/postmaster.pid)"
//
// Setup goes through the admin APIs with the AWS SDK: an organization,
// -accounts accounts, -permission-sets permission sets, -groups groups,
// and one assignment of the first group to each of the accounts ×
// -pairs-per-account (account, permission set) pairs, which provisions
// them. The measured requests then assign the other groups to those
// pairs, each request a new assignment (as a Terraform apply makes), from
// -clients concurrent keep-alive clients; consecutive requests go to
// different pairs. Every 10th request also asks for its status, as a
// client that waits for completion would. Each invocation adds its own
// accounts, permission sets and groups (their names carry a fresh tag), so
// the store grows by that much per invocation. Setup is bounded by
// -setup-timeout, each measured run by -n requests and -max-duration.
//
// CPU per request comes from /proc (internal/procstat): this process, the
// server (-server-pid; give the server's own pid, not a wrapper's such as
// `go run`) and PostgreSQL (-pg-pid, the postmaster: its backends and
// workers, running or exited). The measured requests go through
// internal/jsonclient (the SDK's SigV4 signer on plain net/http), so that
// on a small machine the load generator leaves the cores to what it
// measures. Failed requests are counted apart and make the command exit
// non-zero; the figures are those of the successful ones.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	satypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/idcenter/idcenter/internal/jsonclient"
	"github.com/idcenter/idcenter/internal/procstat"
)

func main() {
	var (
		url       = flag.String("url", "http://127.0.0.1:8080", "server base URL")
		credsFile = flag.String("credentials", "", "the server's admin-credentials file (profile idcenter-admin); default: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY")
		clients   = flag.Int("clients", 4, "concurrent clients")
		n         = flag.Int("n", 10000, "measured CreateAccountAssignment requests")
		runs      = flag.Int("runs", 1, "measured runs, one after another, each of -n new assignments")
		accounts  = flag.Int("accounts", 50, "accounts")
		psets     = flag.Int("permission-sets", 50, "permission sets")
		perAcct   = flag.Int("pairs-per-account", 10, "provisioned permission sets per account")
		groups    = flag.Int("groups", 500, "groups")
		maxDur    = flag.Duration("max-duration", 60*time.Second, "upper bound of each run")
		setupMax  = flag.Duration("setup-timeout", 10*time.Minute, "upper bound of the setup")
		serverPID = flag.Int("server-pid", 0, "the server's process id, for its CPU per request (0: not reported)")
		pgPID     = flag.Int("pg-pid", 0, "the PostgreSQL postmaster's process id, for its CPU per request (0: not reported)")
		label     = flag.String("label", "", "label of the rows")
	)
	flag.Parse()
	if *groups < 2 || *accounts < 1 || *psets < *perAcct || *perAcct < 1 {
		fail(errors.New("need -groups ≥ 2, -accounts ≥ 1 and -permission-sets ≥ -pairs-per-account ≥ 1"))
	}
	if *n*(*runs) > (*groups-1)*(*accounts)*(*perAcct) {
		fail(fmt.Errorf("-n × -runs exceeds the %d new assignments the sizes allow", (*groups-1)*(*accounts)*(*perAcct)))
	}
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if *credsFile != "" {
		var err error
		if key, secret, err = readCredentials(*credsFile); err != nil {
			fail(err)
		}
	}
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	base := strings.TrimSuffix(*url, "/")
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""), BaseEndpoint: aws.String(base), HTTPClient: hc}

	for _, p := range []struct {
		flag string
		pid  int
	}{{"-server-pid", *serverPID}, {"-pg-pid", *pgPID}} {
		if _, ok := procstat.Read(p.pid); p.pid != 0 && !ok {
			fail(fmt.Errorf("%s %d: no such process (or no /proc)", p.flag, p.pid))
		}
	}
	ctx := context.Background()
	t0 := time.Now()
	sctx, cancel := context.WithTimeout(ctx, *setupMax)
	w, err := setup(sctx, cfg, *accounts, *psets, *perAcct, *groups)
	cancel()
	if err != nil {
		fail(fmt.Errorf("setup: %w", err))
	}
	fmt.Fprintf(os.Stderr, "setup: %d accounts, %d permission sets, %d groups, %d provisioned pairs in %s\n",
		*accounts, *psets, *groups, len(w.pairs), time.Since(t0).Round(time.Millisecond))

	c := jsonclient.New(base, aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, "sso", hc)
	fmt.Printf("| %s (GOMAXPROCS %d) | clients | requests | req/s | p50 ms | p99 ms | done p99 ms | loadgen CPU µs/req | server CPU µs/req | PostgreSQL CPU µs/req | errors |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
		*label, runtime.GOMAXPROCS(0))
	failed := false
	for i := range *runs {
		r := measure(ctx, c, w, i*(*n), *n, *clients, *maxDur, *serverPID, *pgPID)
		if r.errs > 0 {
			fmt.Fprintf(os.Stderr, "%d requests failed; the first: %v\n", r.errs, r.firstErr)
			failed = true
		}
		fmt.Println(r.row(*label))
	}
	if failed {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ssoadmin loadgen:", err)
	os.Exit(1)
}

// readCredentials reads the key pair of profile idcenter-admin, or of the
// file's only profile, from a shared-credentials file.
func readCredentials(path string) (key, secret string, err error) {
	f, err := os.Open(filepath.Clean(path))
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	profiles := map[string]*[2]string{}
	var order []string
	cur := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			cur = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line[1:len(line)-1]), "profile "))
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		p := profiles[cur]
		if p == nil {
			p = new([2]string)
			profiles[cur] = p
			order = append(order, cur)
		}
		switch strings.TrimSpace(k) {
		case "aws_access_key_id":
			p[0] = strings.TrimSpace(v)
		case "aws_secret_access_key":
			p[1] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return "", "", err
	}
	p := profiles["idcenter-admin"]
	if p == nil && len(order) == 1 {
		p = profiles[order[0]]
	}
	if p == nil || p[0] == "" || p[1] == "" {
		return "", "", fmt.Errorf("%s: no aws_access_key_id and aws_secret_access_key for profile idcenter-admin", path)
	}
	return p[0], p[1], nil
}

// world is what setup made.
type world struct {
	instance string
	groups   []string
	pairs    []pair // provisioned (account, permission set) pairs
}

type pair struct{ account, permissionSet string }

func setup(ctx context.Context, cfg aws.Config, accounts, psets, perAcct, groups int) (*world, error) {
	sa := ssoadmin.NewFromConfig(cfg)
	in, err := sa.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil {
		return nil, fmt.Errorf("list instances: %w", err)
	}
	if len(in.Instances) == 0 {
		return nil, errors.New("list instances: none")
	}
	w := &world{instance: *in.Instances[0].InstanceArn}
	storeID := *in.Instances[0].IdentityStoreId

	orgs := organizations.NewFromConfig(cfg)
	if _, err := orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
		var exists *orgtypes.AlreadyInOrganizationException
		if !errors.As(err, &exists) {
			return nil, fmt.Errorf("create organization: %w", err)
		}
	}
	tag := strconv.FormatInt(time.Now().UnixNano()%1e9, 36) // lets a second setup on one server use fresh names
	var accts []string
	for i := range accounts {
		name := fmt.Sprintf("bench-%s-%03d", tag, i)
		s, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(name), Email: aws.String(name + "@example.com")})
		if err != nil {
			return nil, fmt.Errorf("create account: %w", err)
		}
		for {
			d, err := orgs.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: s.CreateAccountStatus.Id})
			if err != nil {
				return nil, fmt.Errorf("account status: %w", err)
			}
			if st := d.CreateAccountStatus; st.State == orgtypes.CreateAccountStateSucceeded {
				accts = append(accts, *st.AccountId)
				break
			} else if st.State == orgtypes.CreateAccountStateFailed {
				return nil, fmt.Errorf("create account %s: %s", name, st.FailureReason)
			}
			if err := sleep(ctx, 100*time.Millisecond); err != nil {
				return nil, err
			}
		}
	}
	var psARNs []string
	for i := range psets {
		ps, err := sa.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(w.instance), Name: aws.String(fmt.Sprintf("Bench%s%03d", tag, i))})
		if err != nil {
			return nil, fmt.Errorf("create permission set: %w", err)
		}
		psARNs = append(psARNs, *ps.PermissionSet.PermissionSetArn)
	}
	is := identitystore.NewFromConfig(cfg)
	for i := range groups {
		g, err := is.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: aws.String(storeID), DisplayName: aws.String(fmt.Sprintf("bench-%s-%04d", tag, i))})
		if err != nil {
			return nil, fmt.Errorf("create group: %w", err)
		}
		w.groups = append(w.groups, *g.GroupId)
	}
	// Account i gets permission sets i, i+1, … (mod psets): the pairs spread
	// over all permission sets. Assigning the first group provisions each.
	for i, a := range accts {
		for j := range perAcct {
			p := pair{a, psARNs[(i+j)%len(psARNs)]}
			st, err := sa.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: aws.String(w.instance),
				PermissionSetArn: aws.String(p.permissionSet), TargetId: aws.String(a), TargetType: satypes.TargetTypeAwsAccount,
				PrincipalType: satypes.PrincipalTypeGroup, PrincipalId: aws.String(w.groups[0])})
			if err != nil {
				return nil, fmt.Errorf("assign: %w", err)
			}
			if err := waitCreated(ctx, sa, w.instance, *st.AccountAssignmentCreationStatus.RequestId); err != nil {
				return nil, err
			}
			w.pairs = append(w.pairs, p)
		}
	}
	return w, nil
}

func waitCreated(ctx context.Context, sa *ssoadmin.Client, instance, id string) error {
	for {
		d, err := sa.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
			InstanceArn: aws.String(instance), AccountAssignmentCreationRequestId: aws.String(id)})
		if err != nil {
			return fmt.Errorf("creation status: %w", err)
		}
		switch st := d.AccountAssignmentCreationStatus; st.Status {
		case satypes.StatusValuesSucceeded:
			return nil
		case satypes.StatusValuesFailed:
			return fmt.Errorf("assignment failed: %s", aws.ToString(st.FailureReason))
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ssoAdmin is the X-Amz-Target prefix of sso-admin operations.
const ssoAdmin = "SWBExternalService."

// run is one measured run.
type run struct {
	clients  int
	lat      []time.Duration // each successful CreateAccountAssignment
	done     []time.Duration // create + status, on every 10th request
	elapsed  time.Duration
	errs     int
	firstErr error
	// CPU time of this process, the server and PostgreSQL over the run;
	// negative when not measured.
	self, server, pg time.Duration
}

func (r *run) row(label string) string {
	per := func(d time.Duration) string {
		if d < 0 {
			return "–"
		}
		return strconv.FormatInt(d.Microseconds()/int64(max(1, len(r.lat))), 10)
	}
	return fmt.Sprintf("| %s | %d | %d | %.0f | %.2f | %.2f | %.2f | %s | %s | %s | %d |", label, r.clients, len(r.lat),
		float64(len(r.lat))/r.elapsed.Seconds(), ms(pct(r.lat, 0.50)), ms(pct(r.lat, 0.99)), ms(pct(r.done, 0.99)),
		per(r.self), per(r.server), per(r.pg), r.errs)
}

// measure sends requests first … first+n-1 from `clients` workers. Request
// i assigns group 1 + (i / pairs) mod (groups-1) to pair i mod pairs:
// distinct for every i below (groups-1) × pairs, and consecutive requests
// go to different pairs, as in the in-process benchmark.
func measure(ctx context.Context, c *jsonclient.Client, w *world, first, n, clients int, maxDur time.Duration, serverPID, pgPID int) *run {
	ctx, cancel := context.WithTimeout(ctx, maxDur)
	defer cancel()
	others := len(w.groups) - 1
	var next atomic.Int64
	next.Store(int64(first))
	var mu sync.Mutex
	r := &run{clients: clients, server: -1, pg: -1}
	cpu0, srv0, pg0 := selfCPU(), procCPU(serverPID, false), procCPU(pgPID, true)
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			var l, d []time.Duration
			e := 0
			var fe error
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= first+n {
					break
				}
				p, g := w.pairs[i%len(w.pairs)], w.groups[1+(i/len(w.pairs))%others]
				var out struct {
					AccountAssignmentCreationStatus struct{ RequestId, Status string }
				}
				t0 := time.Now()
				err := c.Call(ctx, ssoAdmin+"CreateAccountAssignment", map[string]any{"InstanceArn": w.instance, "TargetId": p.account,
					"TargetType": "AWS_ACCOUNT", "PermissionSetArn": p.permissionSet, "PrincipalType": "GROUP", "PrincipalId": g}, &out)
				if err == nil {
					l = append(l, time.Since(t0))
				}
				if err == nil && i%10 == 0 {
					var st struct {
						AccountAssignmentCreationStatus struct{ Status, FailureReason string }
					}
					err = c.Call(ctx, ssoAdmin+"DescribeAccountAssignmentCreationStatus", map[string]any{"InstanceArn": w.instance,
						"AccountAssignmentCreationRequestId": out.AccountAssignmentCreationStatus.RequestId}, &st)
					if err == nil && st.AccountAssignmentCreationStatus.Status != "SUCCEEDED" {
						err = fmt.Errorf("status %+v", st.AccountAssignmentCreationStatus)
					}
					if err == nil {
						d = append(d, time.Since(t0))
					}
				}
				if err != nil {
					e++
					if fe == nil {
						fe = err
					}
				}
			}
			mu.Lock()
			r.lat, r.done, r.errs = append(r.lat, l...), append(r.done, d...), r.errs+e
			if r.firstErr == nil {
				r.firstErr = fe
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	r.self = selfCPU() - cpu0
	if serverPID != 0 {
		r.server = procCPU(serverPID, false) - srv0
	}
	if pgPID != 0 {
		r.pg = procCPU(pgPID, true) - pg0
	}
	return r
}

func pct(l []time.Duration, p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	slices.Sort(l)
	return l[min(len(l)-1, int(p*float64(len(l))))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func selfCPU() time.Duration {
	d, _ := procstat.CPU(os.Getpid())
	return d
}

// procCPU returns a process's CPU time, with tree also that of its
// children (running or exited); 0 for pid 0.
func procCPU(pid int, tree bool) time.Duration {
	if pid == 0 {
		return 0
	}
	if tree {
		d, _ := procstat.TreeCPU(pid)
		return d
	}
	d, _ := procstat.CPU(pid)
	return d
}
