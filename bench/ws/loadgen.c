/* loadgen.c: open-loop load generator for the /ws/chat protocol (docs/api.md,
 * "WebSocket"). Opens N sessions (hello -> welcome each), optionally reads a server's
 * resident set before and after, then sends customer messages at a fixed total rate
 * spread round-robin over the sessions and measures, for each message, the time from its
 * scheduled send time to the AI's reply (so a stalled server cannot hide its stalls by
 * slowing the sender down). Loopback only; bounded in count and time; exits by itself.
 *
 * Build: cc -O2 -o loadgen loadgen.c -luv -lwslay -lcrypto -ljansson
 * Usage: loadgen --port P [--host 127.0.0.1] [--path /ws/chat?tenant=demo]
 *                [--sessions 5000] [--rate 1000] [--seconds 20] [--warmup 2] [--drain 10]
 *                [--rss-pid PID] [--per-ip 25] [--label NAME]
 * The first --warmup seconds of messages are sent but not measured; after the last send
 * it waits up to --drain seconds for the replies still owed. --rate 0 only opens the
 * sessions (and reads the resident set).
 * Client sockets are bound to source addresses 127.1.x.y, --per-ip sessions each (the
 * server limits sessions per address, and the customers one address may create: 30 in
 * ten minutes, each session's first message creates one). The last line is
 * "RESULT key=value ...". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <uv.h>
#include <wslay/wslay.h>

#define CONNECT_WINDOW 64        /* handshakes + hellos in flight at once */
#define CONNECT_TIMEOUT_MS 180000
#define SETTLE_MS 1000           /* idle time before the second resident-set reading */
#define OUTSTANDING_MAX 64       /* per session */
#define ORPHANS_MAX 8

enum sess_state { S_IDLE, S_CONNECTING, S_HANDSHAKE, S_HELLO, S_READY, S_CLOSED };

struct outstanding {
	int k;       /* message index */
	int64_t seq; /* the customer message's seq once known, else -1 */
};

struct sess {
	uv_tcp_t tcp;
	uv_connect_t creq;
	int idx;
	enum sess_state state;
	char key[32];
	char *hdr;                   /* handshake response so far */
	size_t hdr_len;
	uint8_t *in;                 /* bytes waiting for wslay */
	size_t in_len, in_off, in_cap;
	wslay_event_context_ptr ws;
	struct outstanding out[OUTSTANDING_MAX];
	int n_out;
	struct { int64_t seq, at_ns; } orphan[ORPHANS_MAX]; /* AI replies not matched yet */
	int n_orphan;
};

struct msgrec {
	int64_t sched_ns;
	int64_t done_ns;             /* 0 until the AI's reply came */
	bool sent, failed, acked;
};

static struct {
	const char *host, *path, *label;
	int port, n, rate, seconds, warmup, drain, per_ip, rss_pid;
} opt = {"127.0.0.1", "/ws/chat?tenant=demo", "server", 0, 5000, 1000, 20, 2, 10, 25, 0};

static uv_loop_t *loop;
static struct sess *sessions;
static struct msgrec *msgs;
static int n_msgs, n_warm;          /* all messages; the first n_warm are not measured */
static int next_connect, in_flight, n_ready, n_failed_connect, n_closed_early;
static int next_msg, n_answered, n_acked, n_errors, n_handoffs, n_mismatch, n_unsent;
static int64_t t_start_ns, t_ready_ns, t0_ns, t_last_send_ns, t_last_reply_ns;
static long rss_before_kb = -1, rss_after_kb = -1;
static uv_timer_t tick, guard;
static bool loading, finished;
static char errcodes[256];
static const char *texts[] = {
	"What are your hours?",
	"How much is a tune-up?",
	"Do you service heat pumps?",
};

static int64_t now_ns(void) { return (int64_t)uv_hrtime(); }

static long read_rss_kb(int pid)
{
	char path[64], line[256];
	long kb = -1;
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6)) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

static void finish(void);
/* Every message has its AI reply and its ack, or failed. */
static bool all_done(void)
{
	return n_answered + n_errors + n_unsent >= n_msgs && n_acked + n_errors + n_unsent >= n_msgs;
}
static void connect_more(void);
static void start_load(void);

/* ---- sending ---------------------------------------------------------------------- */

struct wreq {
	uv_write_t req;
	char data[];
};

static void on_written(uv_write_t *req, int status)
{
	(void)status;
	free(req);
}

/* Writes everything now if the socket takes it, else queues a copy: the sender never
 * blocks and never reorders. */
static int raw_send(struct sess *s, const void *data, size_t len)
{
	uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
	int n = uv_try_write((uv_stream_t *)&s->tcp, &b, 1);
	if (n == (int)len)
		return 0;
	if (n < 0 && n != UV_EAGAIN)
		return n;
	size_t done = n > 0 ? (size_t)n : 0;
	struct wreq *w = malloc(sizeof *w + len - done);
	if (!w)
		return UV_ENOMEM;
	memcpy(w->data, (const char *)data + done, len - done);
	b = uv_buf_init(w->data, (unsigned)(len - done));
	int rc = uv_write(&w->req, (uv_stream_t *)&s->tcp, &b, 1, on_written);
	if (rc)
		free(w);
	return rc;
}

static ssize_t ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
			  int flags, void *user)
{
	(void)flags;
	struct sess *s = user;
	if (raw_send(s, data, len)) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)len;
}

static ssize_t ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
			  void *user)
{
	(void)flags;
	struct sess *s = user;
	size_t avail = s->in_len - s->in_off;
	if (!avail) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (len > avail)
		len = avail;
	memcpy(buf, s->in + s->in_off, len);
	s->in_off += len;
	return (ssize_t)len;
}

static int ws_genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user)
{
	(void)ctx;
	(void)user;
	/* masking only hides payloads from intermediaries; a cheap generator is enough */
	static uint32_t x = 2463534242u;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
	return 0;
}

static void sess_close(struct sess *s);

static void send_text(struct sess *s, const char *text, size_t len)
{
	struct wslay_event_msg m = {WSLAY_TEXT_FRAME, (const uint8_t *)text, len};
	if (wslay_event_queue_msg(s->ws, &m) || wslay_event_send(s->ws))
		sess_close(s);
}

/* ---- matching replies ------------------------------------------------------------- */

static void complete(struct sess *s, int slot, int64_t at_ns)
{
	struct msgrec *m = &msgs[s->out[slot].k];
	m->done_ns = at_ns;
	n_answered++;
	if (at_ns > t_last_reply_ns)
		t_last_reply_ns = at_ns;
	s->out[slot] = s->out[--s->n_out];
}

static int find_out(struct sess *s, int k)
{
	for (int i = 0; i < s->n_out; i++)
		if (s->out[i].k == k)
			return i;
	return -1;
}

/* The customer message k is stored as seq: its AI reply is seq + 1. */
static void learn_seq(struct sess *s, int k, int64_t seq)
{
	int i = find_out(s, k);
	if (i < 0 || s->out[i].seq >= 0)
		return;
	s->out[i].seq = seq;
	for (int j = 0; j < s->n_orphan; j++)
		if (s->orphan[j].seq == seq + 1) {
			int64_t at = s->orphan[j].at_ns;
			s->orphan[j] = s->orphan[--s->n_orphan];
			complete(s, i, at);
			return;
		}
}

static void ai_reply(struct sess *s, int64_t seq, int64_t at_ns)
{
	for (int i = 0; i < s->n_out; i++)
		if (s->out[i].seq >= 0 && s->out[i].seq + 1 == seq) {
			complete(s, i, at_ns);
			return;
		}
	if (s->n_orphan < ORPHANS_MAX) {
		s->orphan[s->n_orphan].seq = seq;
		s->orphan[s->n_orphan].at_ns = at_ns;
		s->n_orphan++;
	} else {
		n_mismatch++;
	}
}

static int client_k(const char *cid)
{
	if (!cid || cid[0] != 'm')
		return -1;
	char *end;
	long k = strtol(cid + 1, &end, 10);
	return *end || k < 0 || k >= n_msgs ? -1 : (int)k;
}

static void note_error(const char *code)
{
	n_errors++;
	size_t used = strlen(errcodes);
	if (code && !strstr(errcodes, code))
		snprintf(errcodes + used, sizeof errcodes - used, "%s%s", used ? "," : "", code);
}

static void on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
		   void *user)
{
	(void)ctx;
	struct sess *s = user;
	int64_t at = now_ns();
	if (arg->opcode == WSLAY_CONNECTION_CLOSE) {
		sess_close(s);
		return;
	}
	if (arg->opcode != WSLAY_TEXT_FRAME)
		return;
	json_t *v = json_loadb((const char *)arg->msg, arg->msg_length, 0, NULL);
	const char *type = json_string_value(json_object_get(v, "type"));
	if (!type) {
		note_error("unparsable");
	} else if (!strcmp(type, "welcome")) {
		if (s->state == S_HELLO) {
			s->state = S_READY;
			n_ready++;
			in_flight--;
			connect_more();
		}
	} else if (!strcmp(type, "message")) {
		const char *from = json_string_value(json_object_get(v, "from"));
		int64_t seq = json_integer_value(json_object_get(v, "seq"));
		if (from && !strcmp(from, "customer")) {
			int k = client_k(json_string_value(json_object_get(v, "client_id")));
			if (k >= 0)
				learn_seq(s, k, seq);
		} else if (from && !strcmp(from, "ai")) {
			ai_reply(s, seq, at);
		}
	} else if (!strcmp(type, "ack")) {
		int k = client_k(json_string_value(json_object_get(v, "client_id")));
		if (k >= 0 && !msgs[k].acked) {
			msgs[k].acked = true;
			n_acked++;
			learn_seq(s, k, json_integer_value(json_object_get(v, "seq")));
		}
	} else if (!strcmp(type, "error")) {
		note_error(json_string_value(json_object_get(v, "code")));
		int k = client_k(json_string_value(json_object_get(v, "ref")));
		int i = k >= 0 ? find_out(s, k) : -1;
		if (i >= 0) {
			msgs[k].failed = true;
			s->out[i] = s->out[--s->n_out];
		}
	} else if (!strcmp(type, "handoff") || !strcmp(type, "callback")) {
		n_handoffs++;
	}
	json_decref(v);
	if (loading && !finished && next_msg >= n_msgs && all_done())
		finish();
}

static const struct wslay_event_callbacks ws_callbacks = {
	.recv_callback = ws_recv_cb,
	.send_callback = ws_send_cb,
	.genmask_callback = ws_genmask_cb,
	.on_msg_recv_callback = on_msg,
};

/* ---- connecting ------------------------------------------------------------------- */

static void on_closed(uv_handle_t *h)
{
	struct sess *s = h->data;
	free(s->in);
	s->in = NULL;
	free(s->hdr);
	s->hdr = NULL;
	if (s->ws)
		wslay_event_context_free(s->ws);
	s->ws = NULL;
}

static void sess_close(struct sess *s)
{
	if (s->state == S_CLOSED)
		return;
	if (s->state == S_READY) {
		n_closed_early += !finished;
	} else if (s->state != S_IDLE) {
		n_failed_connect++;
		in_flight--;
	}
	for (int i = 0; i < s->n_out; i++)
		msgs[s->out[i].k].failed = true;
	s->n_out = 0;
	s->state = S_CLOSED;
	if (!uv_is_closing((uv_handle_t *)&s->tcp))
		uv_close((uv_handle_t *)&s->tcp, on_closed);
	if (!finished && !loading)
		connect_more();
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)h;
	(void)hint;
	static char rbuf[65536];
	*buf = uv_buf_init(rbuf, sizeof rbuf);
}

static int in_append(struct sess *s, const char *data, size_t len)
{
	if (s->in_off == s->in_len)
		s->in_off = s->in_len = 0;
	if (s->in_len + len > s->in_cap) {
		size_t cap = s->in_cap ? s->in_cap : 4096;
		while (cap < s->in_len + len)
			cap *= 2;
		uint8_t *p = realloc(s->in, cap);
		if (!p)
			return -1;
		s->in = p;
		s->in_cap = cap;
	}
	memcpy(s->in + s->in_len, data, len);
	s->in_len += len;
	return 0;
}

static void accept_key(const char *key, char out[32])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	char cat[128];
	unsigned char md[SHA_DIGEST_LENGTH];
	int n = snprintf(cat, sizeof cat, "%s%s", key, guid);
	SHA1((const unsigned char *)cat, (size_t)n, md);
	EVP_EncodeBlock((unsigned char *)out, md, SHA_DIGEST_LENGTH);
}

/* The 101 response: status and Sec-WebSocket-Accept checked; what follows the head is
 * the first WebSocket bytes. */
static int handshake_input(struct sess *s, const char *data, size_t len)
{
	char *p = realloc(s->hdr, s->hdr_len + len + 1);
	if (!p)
		return -1;
	s->hdr = p;
	memcpy(s->hdr + s->hdr_len, data, len);
	s->hdr_len += len;
	s->hdr[s->hdr_len] = 0;
	char *end = strstr(s->hdr, "\r\n\r\n");
	if (!end)
		return s->hdr_len > 8192 ? -1 : 0;
	*end = 0;
	char want[32], hdr_accept[64] = "";
	accept_key(s->key, want);
	if (strncmp(s->hdr, "HTTP/1.1 101", 12))
		return -1;
	for (char *line = strstr(s->hdr, "\r\n"); line; line = strstr(line + 2, "\r\n"))
		if (!strncasecmp(line + 2, "Sec-WebSocket-Accept:", 21)) {
			sscanf(line + 23, " %63[^\r\n ]", hdr_accept);
			break;
		}
	if (strcmp(want, hdr_accept))
		return -1;
	size_t head = (size_t)(end - s->hdr) + 4;
	if (wslay_event_context_client_init(&s->ws, &ws_callbacks, s))
		return -1;
	wslay_event_config_set_max_recv_msg_length(s->ws, 1 << 20);
	if (s->hdr_len > head && in_append(s, s->hdr + head, s->hdr_len - head))
		return -1;
	free(s->hdr);
	s->hdr = NULL;
	s->state = S_HELLO;
	static const char hello[] = "{\"type\":\"hello\",\"lang\":\"en\"}";
	send_text(s, hello, sizeof hello - 1);
	return 0;
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct sess *s = st->data;
	if (nread < 0) {
		sess_close(s);
		return;
	}
	if (nread == 0)
		return;
	if (s->state == S_HANDSHAKE) {
		if (handshake_input(s, buf->base, (size_t)nread))
			sess_close(s);
		if (s->state != S_HELLO || s->in_len == s->in_off)
			return;
	} else if (in_append(s, buf->base, (size_t)nread)) {
		sess_close(s);
		return;
	}
	if (wslay_event_recv(s->ws) || (s->state != S_CLOSED && wslay_event_want_write(s->ws) &&
					  wslay_event_send(s->ws)))
		sess_close(s);
}

static void on_connect(uv_connect_t *req, int status)
{
	struct sess *s = req->data;
	if (status || s->state != S_CONNECTING) {
		sess_close(s);
		return;
	}
	s->state = S_HANDSHAKE;
	unsigned char raw[16];
	RAND_bytes(raw, sizeof raw);
	EVP_EncodeBlock((unsigned char *)s->key, raw, sizeof raw);
	char head[512];
	int n = snprintf(head, sizeof head,
			 "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
			 "Sec-WebSocket-Version: 13\r\n\r\n",
			 opt.path, opt.host, opt.port, s->key);
	if (raw_send(s, head, (size_t)n) || uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read))
		sess_close(s);
}

static void start_session(struct sess *s)
{
	struct sockaddr_in src = {0}, dst = {0};
	uint32_t a = (127u << 24 | 1u << 16) + 1 + (uint32_t)(s->idx / opt.per_ip);
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(a);
	uv_ip4_addr(opt.host, opt.port, &dst);
	s->state = S_CONNECTING;
	in_flight++;
	s->tcp.data = s;
	s->creq.data = s;
	int rc = uv_tcp_init(loop, &s->tcp);
	if (!rc)
		rc = uv_tcp_nodelay(&s->tcp, 1);
	if (!rc)
		rc = uv_tcp_bind(&s->tcp, (const struct sockaddr *)&src, 0);
	if (!rc)
		rc = uv_tcp_connect(&s->creq, &s->tcp, (const struct sockaddr *)&dst, on_connect);
	if (rc) {
		fprintf(stderr, "loadgen: connect %d: %s\n", s->idx, uv_strerror(rc));
		sess_close(s);
	}
}

static void on_settled(uv_timer_t *t)
{
	(void)t;
	if (opt.rss_pid)
		rss_after_kb = read_rss_kb(opt.rss_pid);
	start_load();
}

static void connect_more(void)
{
	while (next_connect < opt.n && in_flight < CONNECT_WINDOW)
		start_session(&sessions[next_connect++]);
	if (next_connect == opt.n && in_flight == 0 && !t_ready_ns) {
		t_ready_ns = now_ns();
		fprintf(stderr, "loadgen[%s]: %d of %d sessions ready in %.1f s\n", opt.label,
			n_ready, opt.n, (double)(t_ready_ns - t_start_ns) / 1e9);
		uv_timer_start(&tick, on_settled, SETTLE_MS, 0);
	}
}

/* ---- the load --------------------------------------------------------------------- */

static void on_drained(uv_timer_t *t)
{
	(void)t;
	finish();
}

/* Sends every message whose scheduled time has come. The next one is woken by a timerfd
 * armed for its exact scheduled instant (nanoseconds; libuv's timers only have
 * milliseconds, which would add up to a millisecond of the generator's own lateness to
 * every round trip). */
static void send_due(void)
{
	int64_t now = now_ns();
	char buf[160];
	while (next_msg < n_msgs && msgs[next_msg].sched_ns <= now) {
		int k = next_msg++;
		struct sess *s = &sessions[k % opt.n];
		if (s->state != S_READY || s->n_out >= OUTSTANDING_MAX) {
			msgs[k].failed = true;
			n_unsent++;
			continue;
		}
		int n = snprintf(buf, sizeof buf, "{\"type\":\"message\",\"client_id\":\"m%d\",\"text\":\"%s\"}",
				 k, texts[(k / opt.n) % (sizeof texts / sizeof *texts)]);
		s->out[s->n_out].k = k;
		s->out[s->n_out].seq = -1;
		s->n_out++;
		msgs[k].sent = true;
		t_last_send_ns = now;
		send_text(s, buf, (size_t)n);
	}
}

static int tick_fd = -1;
static uv_poll_t tick_poll;

static void arm_tick(int64_t at_ns)
{
	struct itimerspec its = {.it_value = {.tv_sec = at_ns / 1000000000,
					      .tv_nsec = at_ns % 1000000000}};
	if (timerfd_settime(tick_fd, TFD_TIMER_ABSTIME, &its, NULL)) {
		perror("loadgen: timerfd_settime");
		exit(1);
	}
}

static void on_tick(uv_poll_t *p, int status, int events)
{
	(void)p;
	(void)status;
	(void)events;
	uint64_t expirations;
	if (read(tick_fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
		perror("loadgen: timerfd read");
	send_due();
	if (next_msg < n_msgs) {
		arm_tick(msgs[next_msg].sched_ns);
		return;
	}
	uv_poll_stop(&tick_poll);
	if (all_done())
		finish();
	else
		uv_timer_start(&guard, on_drained, (uint64_t)opt.drain * 1000, 0);
}

static void start_load(void)
{
	n_warm = opt.rate * opt.warmup;
	n_msgs = n_warm + opt.rate * opt.seconds;
	if (n_msgs <= 0 || n_ready == 0) {
		n_msgs = n_warm = 0; /* nothing to send, or nobody to send it to */
		finish();
		return;
	}
	msgs = calloc((size_t)n_msgs, sizeof *msgs);
	if (!msgs) {
		fprintf(stderr, "loadgen: out of memory\n");
		exit(1);
	}
	t0_ns = now_ns() + 10000000; /* 10 ms from now */
	for (int k = 0; k < n_msgs; k++)
		msgs[k].sched_ns = t0_ns + (int64_t)((double)k * 1e9 / opt.rate);
	loading = true;
	uv_timer_stop(&guard);
	/* uv_hrtime() is CLOCK_MONOTONIC in nanoseconds: schedule times arm the timerfd as
	 * they are */
	tick_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tick_fd < 0 || uv_poll_init(loop, &tick_poll, tick_fd) ||
	    uv_poll_start(&tick_poll, UV_READABLE, on_tick)) {
		perror("loadgen: timerfd");
		exit(1);
	}
	prctl(PR_SET_TIMERSLACK, 1UL); /* wake on time, not up to 50 us late */
	arm_tick(msgs[0].sched_ns);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static double pct(const int64_t *v, int n, double p)
{
	if (n == 0)
		return 0;
	int i = (int)((double)n * p / 100.0 + 0.999999) - 1; /* nearest rank */
	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	return (double)v[i] / 1e6;
}

static void finish(void)
{
	if (finished)
		return;
	finished = true;
	uv_timer_stop(&tick);
	uv_timer_stop(&guard);
	if (tick_fd >= 0)
		uv_poll_stop(&tick_poll);
	/* figures over the measured messages only (after the warm-up) */
	int measured = n_msgs - n_warm, answered = 0, sent = 0, acked = 0, late = 0;
	int64_t end = now_ns();
	int64_t last_send = 0, last_reply = 0;
	int64_t *lat = malloc(sizeof *lat * (size_t)(measured > 0 ? measured : 1));
	if (!lat)
		exit(1);
	for (int k = n_warm; k < n_msgs; k++) {
		sent += msgs[k].sent;
		acked += msgs[k].acked;
		if (msgs[k].sent && msgs[k].sched_ns > last_send)
			last_send = msgs[k].sched_ns;
		if (msgs[k].done_ns) {
			lat[answered++] = msgs[k].done_ns - msgs[k].sched_ns;
			if (msgs[k].done_ns > last_reply)
				last_reply = msgs[k].done_ns;
		}
	}
	/* A message sent but never answered counts as taking at least until now: leaving it
	 * out would make a server that falls behind look faster. */
	for (int k = n_warm; k < n_msgs; k++)
		if (msgs[k].sent && !msgs[k].done_ns && !msgs[k].failed)
			lat[answered + late++] = end - msgs[k].sched_ns;
	int counted = answered + late;
	/* the server's throughput over the whole run, warm-up included */
	double all_rate = n_answered > 1 && t_last_reply_ns > t0_ns
		? (n_answered - 1) / ((double)(t_last_reply_ns - t0_ns) / 1e9) : 0;
	qsort(lat, (size_t)counted, sizeof *lat, cmp_i64);
	int64_t first = measured > 0 ? msgs[n_warm].sched_ns : 0;
	/* one interval per message: n messages scheduled 1/rate apart take n/rate seconds */
	double send_rate = sent > 1 ? (sent - 1) / ((double)(last_send - first) / 1e9) : 0;
	double reply_rate = answered > 1 ? (answered - 1) / ((double)(last_reply - first) / 1e9) : 0;
	long per = -1;
	if (rss_before_kb >= 0 && rss_after_kb >= 0 && n_ready > 0)
		per = (rss_after_kb - rss_before_kb) * 1024 / n_ready;
	if (rss_before_kb >= 0)
		fprintf(stderr, "loadgen[%s]: resident set %ld kB -> %ld kB with %d idle sessions: "
			"%ld bytes/session\n", opt.label, rss_before_kb, rss_after_kb, n_ready, per);
	/* after the load: every session has talked (on tandem each one now has a customer, a
	 * conversation and its live state), and the server has seen the whole run */
	long rss_end_kb = -1, per_end = -1;
	if (measured > 0 && opt.rss_pid > 0 && rss_before_kb >= 0 &&
	    (rss_end_kb = read_rss_kb(opt.rss_pid)) >= 0 && n_ready > 0) {
		per_end = (rss_end_kb - rss_before_kb) * 1024 / n_ready;
		fprintf(stderr, "loadgen[%s]: resident set after the load %ld kB: %ld bytes/session "
			"(sessions that have talked)\n", opt.label, rss_end_kb, per_end);
	}
	double p50 = pct(lat, counted, 50), p90 = pct(lat, counted, 90), p99 = pct(lat, counted, 99);
	double max = counted ? (double)lat[counted - 1] / 1e6 : 0;
	/* the same figures apart for a session's first message (which, on tandem, also starts
	 * the conversation: one more durable write before the turn) and for the others */
	int64_t *part[2] = {malloc(sizeof(int64_t) * (size_t)(measured > 0 ? measured : 1)),
			    malloc(sizeof(int64_t) * (size_t)(measured > 0 ? measured : 1))};
	int npart[2] = {0, 0};
	if (!part[0] || !part[1])
		exit(1);
	for (int k = n_warm; k < n_msgs; k++)
		if (msgs[k].done_ns) {
			int later = k >= opt.n;
			part[later][npart[later]++] = msgs[k].done_ns - msgs[k].sched_ns;
		}
	for (int i = 0; i < 2; i++)
		qsort(part[i], (size_t)npart[i], sizeof(int64_t), cmp_i64);
	if (measured > 0) {
		fprintf(stderr,
			"loadgen[%s]: %d s warm-up, then %d messages scheduled over %d s: %d sent (%.1f/s), "
			"%d acked, %d AI replies (%.1f/s; %.1f/s over the whole run), %d unanswered; %d errors%s%s%s, "
			"%d handoff notices, %d sessions lost\n",
			opt.label, opt.warmup, measured, opt.seconds, sent, send_rate, acked, answered,
			reply_rate, all_rate, measured - answered, n_errors, errcodes[0] ? " (" : "", errcodes,
			errcodes[0] ? ")" : "", n_handoffs, n_closed_early);
		fprintf(stderr, "loadgen[%s]: round trip (scheduled send -> AI reply) ms: p50 %.2f "
			"p90 %.2f p99 %.2f max %.2f%s\n", opt.label, p50, p90, p99, max,
			late ? " (lower bounds: unanswered messages counted as answered at the end)" : "");
		for (int i = 0; i < 2; i++)
			if (npart[i])
				fprintf(stderr, "loadgen[%s]:   %s (%d answered): p50 %.2f p90 %.2f "
					"p99 %.2f\n", opt.label,
					i ? "later messages" : "first message of a session", npart[i],
					pct(part[i], npart[i], 50), pct(part[i], npart[i], 90),
					pct(part[i], npart[i], 99));
	}
	printf("RESULT label=%s sessions=%d ready=%d connect_s=%.2f rss_before_kb=%ld rss_after_kb=%ld "
	       "bytes_per_session=%ld lost=%d scheduled=%d sent=%d acked=%d answered=%d unanswered=%d "
	       "late=%d errors=%d mismatched=%d send_rate=%.1f reply_rate=%.1f all_reply_rate=%.1f p50_ms=%.3f p90_ms=%.3f "
	       "p99_ms=%.3f max_ms=%.3f first_p50_ms=%.3f first_p99_ms=%.3f later_p50_ms=%.3f "
	       "later_p99_ms=%.3f rss_end_kb=%ld bytes_per_session_end=%ld\n",
	       opt.label, opt.n, n_ready, t_ready_ns ? (double)(t_ready_ns - t_start_ns) / 1e9 : -1,
	       rss_before_kb, rss_after_kb, per, n_closed_early, measured, sent, acked, answered, measured - answered,
	       late, n_errors, n_mismatch, send_rate, reply_rate, all_rate, p50, p90, p99, max,
	       pct(part[0], npart[0], 50), pct(part[0], npart[0], 99), pct(part[1], npart[1], 50),
	       pct(part[1], npart[1], 99), rss_end_kb, per_end);
	fflush(stdout);
	free(lat);
	free(part[0]);
	free(part[1]);
	/* the kernel closes every socket; nothing is left to say to the server */
	exit(n_ready == opt.n && !n_closed_early && (measured <= 0 || answered > 0) ? 0 : 3);
}

static void on_guard(uv_timer_t *t)
{
	(void)t;
	fprintf(stderr, "loadgen[%s]: gave up connecting after %d s\n", opt.label,
		CONNECT_TIMEOUT_MS / 1000);
	finish();
}

static void usage(void)
{
	fprintf(stderr, "usage: loadgen --port P [--host H] [--path P] [--sessions N] [--rate R] "
			"[--seconds S] [--warmup S] [--drain S] [--rss-pid PID] [--per-ip N] [--label NAME]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			usage();
		if (!strcmp(a, "--host"))
			opt.host = v;
		else if (!strcmp(a, "--path"))
			opt.path = v;
		else if (!strcmp(a, "--label"))
			opt.label = v;
		else if (!strcmp(a, "--port"))
			opt.port = (int)strtol(v, NULL, 10);
		else if (!strcmp(a, "--sessions"))
			opt.n = (int)strtol(v, NULL, 10);
		else if (!strcmp(a, "--rate"))
			opt.rate = (int)strtol(v, NULL, 10);
		else if (!strcmp(a, "--seconds"))
			opt.seconds = (int)strtol(v, NULL, 10);
		else if (!strcmp(a, "--drain"))
			opt.drain = (int)strtol(v, NULL, 10);
		else if (!strcmp(a, "--warmup"))
			opt.warmup = (int)strtol(v, NULL, 10);
		else if (!strcmp(a, "--rss-pid"))
			opt.rss_pid = (int)strtol(v, NULL, 10);
		else if (!strcmp(a, "--per-ip"))
			opt.per_ip = (int)strtol(v, NULL, 10);
		else
			usage();
		i++;
	}
	struct in_addr ia;
	if (opt.port <= 0 || opt.n <= 0 || opt.rate < 0 || opt.seconds < 0 || opt.warmup < 0 || opt.drain < 0 || opt.per_ip <= 0 ||
	    inet_pton(AF_INET, opt.host, &ia) != 1 || (ntohl(ia.s_addr) >> 24) != 127)
		usage(); /* loopback only */
	if (opt.n / opt.per_ip > 65000) {
		fprintf(stderr, "loadgen: too many sessions for the source addresses\n");
		return 2;
	}
	loop = uv_default_loop();
	sessions = calloc((size_t)opt.n, sizeof *sessions);
	if (!sessions)
		return 1;
	for (int i = 0; i < opt.n; i++)
		sessions[i].idx = i;
	uv_timer_init(loop, &tick);
	uv_timer_init(loop, &guard);
	if (opt.rss_pid)
		rss_before_kb = read_rss_kb(opt.rss_pid);
	t_start_ns = now_ns();
	uv_timer_start(&guard, on_guard, CONNECT_TIMEOUT_MS, 0);
	connect_more();
	uv_run(loop, UV_RUN_DEFAULT);
	return 0;
}
