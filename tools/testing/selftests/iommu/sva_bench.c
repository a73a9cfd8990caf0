// SPDX-License-Identifier: GPL-2.0-only
/*
 * What binding, faulting, invalidating and attaching cost on the mock IOMMU
 * (CONFIG_IOMMU_SVA_SELFTEST), as ratios and counts measured in one run:
 * under an emulator only those mean anything.
 *
 * Each figure is one line on stdout,
 *   SVA-BENCH: {"name": ..., "median": ..., "min": ..., "max": ...,
 *               "unit": ..., "n": ...[, "goal_max"/"goal_min": ...]}
 * where median, min and max are over n samples, each itself the mean of a
 * batch of operations. make bench collects the lines, prints them as a
 * table, keeps them as JSON and checks the goals. Not run by the
 * kselftest runner: timings are no verdict there.
 */
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "iommu_utils.h"

#define MAX_SAMPLES	64
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

static int fd;
static long page_size;
/* What the CPU read, so that the reads happen */
char sink;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void die(const char *what, int err)
{
	printf("SVA-BENCH-ERROR: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

#define TRY(expr) do {				\
	int __rc = (expr);			\
						\
	if (__rc)				\
		die(#expr, __rc);		\
} while (0)

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *s, int n)
{
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* One figure: the median and the spread of @n samples */
static void report(const char *name, const char *unit, double *s, int n,
		   const char *goal, double bound)
{
	printf("SVA-BENCH: {\"name\": \"%s\", \"unit\": \"%s\", \"n\": %d",
	       name, unit, n);
	printf(", \"median\": %.4g", median(s, n));
	printf(", \"min\": %.4g, \"max\": %.4g", s[0], s[n - 1]);
	if (goal)
		printf(", \"%s\": %g", goal, bound);
	printf("}\n");
	fflush(stdout);
}

static __u32 new_dev(void)
{
	__u32 dev;

	TRY(_test_cmd_dev_create(fd, IOMMU_SVA_TEST_MAX_PASID_BITS, &dev,
				 NULL));
	TRY(_test_cmd_sva(fd, dev, 1));
	return dev;
}

/* Mean microseconds of one bind + unbind of @dev, over @pairs */
static double bind_pairs(__u32 dev, int pairs)
{
	double t = now_us();
	__u32 bind, pasid;
	int i;

	for (i = 0; i < pairs; i++) {
		TRY(_test_cmd_bind(fd, dev, &bind, &pasid));
		TRY(_test_cmd_unbind(fd, bind));
	}
	return (now_us() - t) / pairs;
}

/*
 * 1. bind + unbind with 10, 1,000 and 100,000 PASIDs live in the global
 * space. Each round visits the levels up and then down, so warm-up and
 * drift weigh on both ends alike; a ratio sample is one visit of 100,000
 * over the visit of 10 in the same direction of the same round.
 */
static void bench_bind_scaling(void)
{
	static const int levels[] = { 10, 1000, 100000 };
	const int nl = ARRAY_SIZE(levels), rounds = 2, batches = 5, pairs = 20;
	double per[3][MAX_SAMPLES], ratio[MAX_SAMPLES], visit[2][3];
	int np[3] = { 0 }, nr = 0, live = 0, r, d, i, b;
	__u32 dev = new_dev(), hold = new_dev();
	__u32 *pasids = calloc(levels[nl - 1], sizeof(*pasids));
	char name[64];

	if (!pasids)
		die("calloc", ENOMEM);
	bind_pairs(dev, pairs);		/* the mm's PASID, and warm-up */
	for (r = 0; r < rounds; r++) {
		for (d = 0; d < 2; d++) {
			for (i = 0; i < nl; i++) {
				int l = d ? nl - 1 - i : i;
				double s[MAX_SAMPLES];

				/* Other users' PASIDs, besides this mm's */
				while (live < levels[l] - 1)
					TRY(_test_cmd_pasid_alloc(fd, hold,
								  &pasids[live++]));
				while (live > levels[l] - 1)
					TRY(_test_cmd_pasid_free(fd,
								 pasids[--live]));
				for (b = 0; b < batches; b++) {
					s[b] = bind_pairs(dev, pairs);
					per[l][np[l]++] = s[b];
				}
				visit[d][l] = median(s, batches);
			}
			ratio[nr++] = visit[d][nl - 1] / visit[d][0];
		}
	}
	while (live)
		TRY(_test_cmd_pasid_free(fd, pasids[--live]));
	free(pasids);
	for (i = 0; i < nl; i++) {
		snprintf(name, sizeof(name), "bind_unbind_us_%d_pasids",
			 levels[i]);
		report(name, "us", per[i], np[i], NULL, 0);
	}
	report("bind_scaling_ratio_100000_10", "ratio", ratio, nr,
	       "goal_max", 1.2);
	TRY(_test_cmd_sva(fd, hold, 0));
	TRY(_test_cmd_dev_destroy(fd, hold));
	TRY(_test_cmd_sva(fd, dev, 0));
	TRY(_test_cmd_dev_destroy(fd, dev));
}

/* What the children of spin_round() repeat */
enum spin_op {
	SPIN_BIND,	/* bind + unbind of the child's own device */
	SPIN_REBIND,	/* the same while a first bind holds the domain */
	SPIN_SYSCALL,	/* getppid(): the guest's own parallelism */
	SPIN_MMAP,	/* mmap, touch, munmap of a page: its own mm's locks */
};

/*
 * A child that, from @start to @end, repeats @op; binds go to a device of
 * its own, on a file of its own, so that nothing but the kernel's locks is
 * shared with its sibling; its count on @out
 */
static pid_t spin_child(enum spin_op op, double start, double end, int out)
{
	pid_t pid = fork();
	__u32 dev, bind, pasid, held;
	long count = 0;
	int own;

	if (pid)
		return pid;
	own = open(IOMMU_SVA_TEST_DEV, O_RDWR);
	if (own < 0 || _test_cmd_dev_create(own, IOMMU_SVA_TEST_MAX_PASID_BITS,
					    &dev, NULL) ||
	    _test_cmd_sva(own, dev, 1))
		_exit(1);
	if (op == SPIN_REBIND && _test_cmd_bind(own, dev, &held, &pasid))
		_exit(1);
	if (now_us() > start)	/* it must not start late */
		_exit(2);
	while (now_us() < start)
		;
	/* The clock read every 16 repeats: a system call is cheaper */
	while ((count & 15) || now_us() < end) {
		char *p;

		switch (op) {
		case SPIN_BIND:
		case SPIN_REBIND:
			if (_test_cmd_bind(own, dev, &bind, &pasid) ||
			    _test_cmd_unbind(own, bind))
				_exit(1);
			break;
		case SPIN_SYSCALL:
			getppid();
			break;
		case SPIN_MMAP:
			p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				_exit(1);
			*p = 1;
			munmap(p, page_size);
			break;
		}
		count++;
	}
	if (write(out, &count, sizeof(count)) != sizeof(count))
		_exit(1);
	_exit(0);
}

/* The @op repeats @n children made in @secs, in total */
static long spin_round(enum spin_op op, int n, double secs)
{
	double start = now_us() + 1e6, end = start + secs * 1e6;
	long total = 0, count;
	int p[2], i, status;

	if (pipe(p))
		die("pipe", errno);
	for (i = 0; i < n; i++)
		if (spin_child(op, start, end, p[1]) < 0)
			die("fork", errno);
	for (i = 0; i < n; i++) {
		if (wait(&status) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			die("bind/unbind child", WIFEXITED(status) &&
			    WEXITSTATUS(status) == 2 ? ETIME : EIO);
		if (read(p[0], &count, sizeof(count)) != sizeof(count))
			die("read", EIO);
		total += count;
	}
	close(p[0]);
	close(p[1]);
	return total;
}

/*
 * 2. bind/unbind throughput of two processes, each with its own mm, file
 * and device, over one process's, rounds alternating so both see the same
 * drift; the same for a bind and unbind that find the domain already there
 * (the core's own work, without the driver's), and for a bare system call
 * and mmap/munmap, which show how far two processes scale in this guest
 */
static void bench_bind_concurrency(void)
{
	static const struct {
		enum spin_op op;
		const char *name;
		const char *goal;
	} ops[] = {
		{ SPIN_BIND, "bind_concurrency_ratio_2_1", "goal_min" },
		{ SPIN_REBIND, "bind_again_concurrency_ratio_2_1", NULL },
		{ SPIN_SYSCALL, "syscall_concurrency_ratio_2_1", NULL },
		{ SPIN_MMAP, "mmap_concurrency_ratio_2_1", NULL },
	};
	double ratio[ARRAY_SIZE(ops)][MAX_SAMPLES], one[MAX_SAMPLES];
	double again[MAX_SAMPLES];
	const int rounds = 5;
	unsigned int i;
	int r;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < ARRAY_SIZE(ops); i++) {
			long single = spin_round(ops[i].op, 1, 1.0);
			long pair = spin_round(ops[i].op, 2, 1.0);

			if (ops[i].op == SPIN_BIND)
				one[r] = single;
			if (ops[i].op == SPIN_REBIND)
				again[r] = single;
			ratio[i][r] = (double)pair / single;
		}
	}
	report("bind_unbind_per_s_1_process", "1/s", one, rounds, NULL, 0);
	/* The core's part of a pair: the domain is there already */
	report("bind_again_per_s_1_process", "1/s", again, rounds, NULL, 0);
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		report(ops[i].name, "ratio", ratio[i], rounds, ops[i].goal,
		       1.6);
}

static char *map_pages(int n)
{
	char *p = mmap(NULL, n * page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap", errno);
	return p;
}

/* Mean microseconds of an 8-byte DMA read of each of @n pages at @p */
static double dma_pages(__u32 dev, __u32 pasid, char *p, int n)
{
	double t = now_us();
	char tmp[8];
	int i;

	for (i = 0; i < n; i++)
		TRY(_test_cmd_dma(fd, dev, pasid,
				  (uintptr_t)(p + i * page_size), tmp,
				  sizeof(tmp), 0));
	return (now_us() - t) / n;
}

/* Mean microseconds of the CPU's first read of each of @n pages at @p */
static double touch_pages(char *p, int n)
{
	double t = now_us();
	int i;

	for (i = 0; i < n; i++)
		sink += p[i * page_size];
	return (now_us() - t) / n;
}

/*
 * 3. One DMA that faults (report, handler, response) over the CPU's own
 * first touch of the same kind of page, in the same round; DMA that misses
 * the IOTLB without a fault, and that hits it; and the fault path's lookup
 * of the domain at the PASID over a bare xa_load(), timed in the kernel
 */
static void bench_fault_path(void)
{
	const int n = 2048, rounds = 5;
	double fault[MAX_SAMPLES], cpu[MAX_SAMPLES], ratio[MAX_SAMPLES];
	double miss[MAX_SAMPLES], hit[MAX_SAMPLES];
	double lookup[MAX_SAMPLES], locked[MAX_SAMPLES];
	__u32 dev = new_dev(), bind, pasid;
	int r;

	TRY(_test_cmd_bind(fd, dev, &bind, &pasid));
	for (r = 0; r < rounds; r++) {
		char *a = map_pages(n), *b = map_pages(n);

		cpu[r] = touch_pages(a, n);
		fault[r] = dma_pages(dev, pasid, b, n);
		hit[r] = dma_pages(dev, pasid, b, n);
		/* Present for the CPU, never seen by the IOMMU */
		miss[r] = dma_pages(dev, pasid, a, n);
		ratio[r] = fault[r] / cpu[r];
		munmap(a, n * page_size);
		munmap(b, n * page_size);
	}
	/* Finding the domain for a PASID: the fault path's, and a locked one */
	for (r = 0; r < rounds; r++) {
		struct iommu_sva_test_cmd c;

		TRY(_test_cmd_lookup_cost(fd, dev, pasid, 100000, &c));
		lookup[r] = (double)c.lookup_cost.fault_ns /
			    c.lookup_cost.xa_load_ns;
		locked[r] = (double)c.lookup_cost.get_ns /
			    c.lookup_cost.xa_load_ns;
	}
	TRY(_test_cmd_unbind(fd, bind));
	report("cpu_first_touch_us", "us", cpu, rounds, NULL, 0);
	report("dma_fault_us", "us", fault, rounds, NULL, 0);
	report("dma_iotlb_miss_us", "us", miss, rounds, NULL, 0);
	report("dma_iotlb_hit_us", "us", hit, rounds, NULL, 0);
	report("fault_ratio_dma_cpu", "ratio", ratio, rounds, "goal_max", 4);
	report("fault_lookup_ratio_xa_load", "ratio", lookup, rounds,
	       "goal_max", 1.5);
	report("locked_lookup_ratio_xa_load", "ratio", locked, rounds, NULL, 0);
	TRY(_test_cmd_sva(fd, dev, 0));
	TRY(_test_cmd_dev_destroy(fd, dev));
}

/* Mean microseconds of munmap() of @len bytes, one page per @stride touched */
static double munmap_us(size_t len, size_t stride, int reps)
{
	double total = 0, t;
	size_t off;
	char *p;
	int i;

	for (i = 0; i < reps; i++) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			die("mmap", errno);
		for (off = 0; off < len; off += stride)
			p[off] = 1;
		t = now_us();
		if (munmap(p, len))
			die("munmap", errno);
		total += now_us() - t;
	}
	return total / reps;
}

/*
 * 4. munmap() on a bound mm over the same on the mm unbound, rounds
 * alternating: 4 KiB, 2 MiB every page touched, 1 GiB one page per 2 MiB
 */
static void bench_munmap(void)
{
	static const struct {
		const char *name;
		size_t len, stride;
	} sizes[] = {
		{ "4k", 4096, 4096 },
		{ "2m", 2UL << 20, 4096 },
		{ "1g_sparse", 1UL << 30, 2UL << 20 },
	};
	const int rounds = 5, reps = 5;
	double ratio[ARRAY_SIZE(sizes)][MAX_SAMPLES];
	double bound[ARRAY_SIZE(sizes)][MAX_SAMPLES];
	__u32 dev = new_dev(), bind, pasid;
	char name[64];
	unsigned int i;
	int r;

	for (r = 0; r < rounds; r++) {
		double unbound[ARRAY_SIZE(sizes)];

		for (i = 0; i < ARRAY_SIZE(sizes); i++)
			unbound[i] = munmap_us(sizes[i].len, sizes[i].stride,
					       reps);
		TRY(_test_cmd_bind(fd, dev, &bind, &pasid));
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			bound[i][r] = munmap_us(sizes[i].len, sizes[i].stride,
						reps);
			ratio[i][r] = bound[i][r] / unbound[i];
		}
		TRY(_test_cmd_unbind(fd, bind));
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		snprintf(name, sizeof(name), "munmap_%s_bound_us",
			 sizes[i].name);
		report(name, "us", bound[i], rounds, NULL, 0);
		snprintf(name, sizeof(name), "munmap_%s_ratio_bound_unbound",
			 sizes[i].name);
		report(name, "ratio", ratio[i], rounds, NULL, 0);
	}
	TRY(_test_cmd_sva(fd, dev, 0));
	TRY(_test_cmd_dev_destroy(fd, dev));
}

/* Slab memory of the whole kernel, in bytes (/proc/meminfo) */
static double slab_bytes(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long kb = -1;

	if (!f)
		die("/proc/meminfo", errno);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld kB", &kb) == 1)
			break;
	fclose(f);
	if (kb < 0)
		die("Slab: in /proc/meminfo", EIO);
	return kb * 1024.0;
}

/*
 * A child that binds @dev when told on @cmd, sends the bond's ID on @ack,
 * then waits to be killed; the bond stays with the file for the parent to
 * unbind
 */
static pid_t bind_child(__u32 dev, int cmd, int ack)
{
	pid_t pid = fork();
	__u32 bind, pasid;
	char c;

	if (pid)
		return pid;
	if (read(cmd, &c, 1) != 1 || _test_cmd_bind(fd, dev, &bind, &pasid))
		_exit(1);
	if (write(ack, &bind, sizeof(bind)) != sizeof(bind))
		_exit(1);
	pause();
	_exit(0);
}

/*
 * 5. Slab bytes per bind of a new (device, mm), per further device bound
 * to a bound mm, and per PASID attach of a paging domain; each the growth
 * of the kernel's slab over K of them, with everything else (processes,
 * devices, PASIDs) made before the first reading. /proc/meminfo counts
 * whole slab pages, in kB: a figure is good to about 1 kB / K.
 */
static void bench_memory(void)
{
	enum { K = 128 };
	double per[3][MAX_SAMPLES], before;
	__u32 devs[K + 1], binds[K + 1], pasids[K], pasid, dom;
	const int rounds = 3;
	int cmd[2], ack[2], r, i;
	pid_t pids[K];
	char c = 0;

	for (i = 0; i <= K; i++)
		devs[i] = new_dev();
	for (r = 0; r < rounds; r++) {
		/* New mms: K children, one device each */
		if (pipe(cmd) || pipe(ack))
			die("pipe", errno);
		for (i = 0; i < K; i++)
			pids[i] = bind_child(devs[i], cmd[0], ack[1]);
		usleep(200000);
		before = slab_bytes();
		for (i = 0; i < K; i++)
			if (write(cmd[1], &c, 1) != 1 ||
			    read(ack[0], &binds[i], sizeof(binds[i])) !=
			    sizeof(binds[i]))
				die("bind child", EIO);
		per[0][r] = (slab_bytes() - before) / K;
		for (i = 0; i < K; i++)
			kill(pids[i], SIGKILL);
		for (i = 0; i < K; i++) {
			waitpid(pids[i], NULL, 0);
			TRY(_test_cmd_unbind(fd, binds[i]));
		}
		close(cmd[0]);
		close(cmd[1]);
		close(ack[0]);
		close(ack[1]);

		/* This mm, bound already: K more devices */
		TRY(_test_cmd_bind(fd, devs[K], &binds[K], &pasid));
		before = slab_bytes();
		for (i = 0; i < K; i++)
			TRY(_test_cmd_bind(fd, devs[i], &binds[i], &pasid));
		per[1][r] = (slab_bytes() - before) / K;
		for (i = 0; i <= K; i++)
			TRY(_test_cmd_unbind(fd, binds[i]));

		/* One paging domain at K PASIDs of one device */
		TRY(_test_cmd_paging_alloc_dev(fd, devs[0], &dom));
		for (i = 0; i < K; i++)
			TRY(_test_cmd_pasid_alloc(fd, devs[0], &pasids[i]));
		before = slab_bytes();
		for (i = 0; i < K; i++)
			TRY(_test_cmd_attach(fd, devs[0], dom, pasids[i]));
		per[2][r] = (slab_bytes() - before) / K;
		for (i = 0; i < K; i++) {
			TRY(_test_cmd_detach(fd, devs[0], dom, pasids[i]));
			TRY(_test_cmd_pasid_free(fd, pasids[i]));
		}
		TRY(_test_cmd_paging_free(fd, dom));
	}
	report("slab_bytes_per_bind_new_mm", "B", per[0], rounds, NULL, 0);
	report("slab_bytes_per_bind_more_device", "B", per[1], rounds, NULL,
	       0);
	report("slab_bytes_per_pasid_attach", "B", per[2], rounds, NULL, 0);
	for (i = 0; i <= K; i++) {
		TRY(_test_cmd_sva(fd, devs[i], 0));
		TRY(_test_cmd_dev_destroy(fd, devs[i]));
	}
}

static const struct {
	const char *name;
	void (*run)(void);
} figures[] = {
	{ "bind_scaling", bench_bind_scaling },
	{ "bind_concurrency", bench_bind_concurrency },
	{ "fault_path", bench_fault_path },
	{ "munmap", bench_munmap },
	{ "memory", bench_memory },
};

/* sva_bench [FIGURE...]: the figures named, or all of them */
int main(int argc, char **argv)
{
	unsigned int i;
	int a;

	page_size = sysconf(_SC_PAGESIZE);
	fd = open(IOMMU_SVA_TEST_DEV, O_RDWR);
	if (fd < 0)
		die(IOMMU_SVA_TEST_DEV, errno);
	for (a = 1; a < argc; a++) {
		for (i = 0; i < ARRAY_SIZE(figures); i++)
			if (!strcmp(argv[a], figures[i].name))
				break;
		if (i == ARRAY_SIZE(figures))
			die(argv[a], EINVAL);
	}
	for (i = 0; i < ARRAY_SIZE(figures); i++) {
		for (a = 1; a < argc; a++)
			if (!strcmp(argv[a], figures[i].name))
				break;
		if (argc > 1 && a == argc)
			continue;
		printf("# %s\n", figures[i].name);
		fflush(stdout);
		figures[i].run();
	}
	printf("SVA-BENCH-END\n");
	return 0;
}
