/*
 * Runs the NATS C client (Debian's libnats-dev, libnats 3.4.1) against a server:
 *
 *   gcc -O1 -o target/c/conformance conformance.c -lnats && target/c/conformance <port>
 *
 * Every scenario prints one line, "PASS name" or "FAIL name: reason"; the exit code is 1 when any
 * failed, 2 on the overall timeout. Built and run by NatsCIT.
 */
#include <nats/nats.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WAIT 2000 /* ms */

static char url[64];
static char reason[512];
static char prefix[32];

/*
 * Subject s under this run's prefix (c.<pid>.), so that runs sharing a server stay apart; the
 * result lives in one of 32 rotating buffers, enough for any one scenario.
 */
static const char *S(const char *s) {
  static char ring[32][128];
  static int next;
  char *b = ring[next++ % 32];
  snprintf(b, 128, "%s%s", prefix, s);
  return b;
}

/* Records why a scenario failed; returns 1 so that "return fail(...)" ends it. */
static int fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  return 1;
}

/* Fails the scenario with the call's status text when a libnats call does not return NATS_OK. */
#define CHECK(call)                                                                 \
  do {                                                                              \
    natsStatus s_ = (call);                                                         \
    if (s_ != NATS_OK) {                                                            \
      return fail("%s: %s (%s)", #call, natsStatus_GetText(s_), nats_GetLastError(NULL)); \
    }                                                                               \
  } while (0)

static natsStatus connect_opts(natsConnection **nc, int noEcho) {
  natsOptions *opts = NULL;
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) s = natsOptions_SetURL(opts, url);
  if (s == NATS_OK) s = natsOptions_SetAllowReconnect(opts, false);
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, 5000);
  if (s == NATS_OK && noEcho) s = natsOptions_SetNoEcho(opts, true);
  if (s == NATS_OK) s = natsConnection_Connect(nc, opts);
  natsOptions_Destroy(opts);
  return s;
}

static natsStatus connect_plain(natsConnection **nc) { return connect_opts(nc, 0); }

/* Reads one message from a synchronous subscription into "subject:data". */
static natsStatus next(natsSubscription *sub, char *out, size_t len, int64_t timeout) {
  natsMsg *m = NULL;
  natsStatus s = natsSubscription_NextMsg(&m, sub, timeout);
  if (s == NATS_OK) {
    snprintf(out, len, "%s:%.*s", natsMsg_GetSubject(m), natsMsg_GetDataLength(m), natsMsg_GetData(m));
    natsMsg_Destroy(m);
  }
  return s;
}

/* Expects exactly these messages on sub, then nothing more for 100 ms. */
static int expect(natsSubscription *sub, const char *what, int n, const char **want) {
  char got[256];
  for (int i = 0; i < n; i++) {
    natsStatus s = next(sub, got, sizeof got, WAIT);
    if (s != NATS_OK) return fail("%s: message %d: %s", what, i, natsStatus_GetText(s));
    if (strcmp(got, want[i]) != 0) return fail("%s: got %s want %s", what, got, want[i]);
  }
  natsStatus s = next(sub, got, sizeof got, 100);
  if (s == NATS_OK) return fail("%s: unexpected message %s", what, got);
  if (s != NATS_TIMEOUT) return fail("%s: %s", what, natsStatus_GetText(s));
  return 0;
}

static int connect_info(natsConnection *nc) {
  char id[128] = "";
  if (natsConnection_Status(nc) != NATS_CONN_STATUS_CONNECTED) return fail("status %d", natsConnection_Status(nc));
  CHECK(natsConnection_GetConnectedServerId(nc, id, sizeof id));
  if (id[0] == '\0') return fail("empty server id");
  if (natsConnection_HasHeaderSupport(nc) != NATS_OK) return fail("headers not supported");
  if (natsConnection_GetMaxPayload(nc) <= 0) return fail("max_payload %lld", (long long)natsConnection_GetMaxPayload(nc));
  return 0;
}

static int pubsub(natsConnection *nc) {
  natsSubscription *sub = NULL;
  CHECK(natsConnection_SubscribeSync(&sub, nc, S("ps")));
  CHECK(natsConnection_Flush(nc));
  CHECK(natsConnection_PublishString(nc, S("ps"), "0"));
  CHECK(natsConnection_PublishString(nc, S("ps"), "1"));
  CHECK(natsConnection_PublishString(nc, S("ps"), "2"));
  const char *want[] = {S("ps:0"), S("ps:1"), S("ps:2")};
  int r = expect(sub, "pubsub", 3, want);
  natsSubscription_Destroy(sub);
  return r;
}

static int wildcard(natsConnection *nc) {
  natsSubscription *star = NULL, *full = NULL;
  CHECK(natsConnection_SubscribeSync(&star, nc, S("*.x")));
  CHECK(natsConnection_SubscribeSync(&full, nc, S("w.>")));
  CHECK(natsConnection_Flush(nc));
  const char *subjects[] = {S("a.x"), S("b.y"), S("w.x"), S("w.a.b"), S("w")};
  for (int i = 0; i < 5; i++) CHECK(natsConnection_PublishString(nc, subjects[i], "m"));
  const char *wantStar[] = {S("a.x:m"), S("w.x:m")};
  const char *wantFull[] = {S("w.x:m"), S("w.a.b:m")};
  int r = expect(star, "*", 2, wantStar);
  if (r == 0) r = expect(full, ">", 2, wantFull);
  natsSubscription_Destroy(star);
  natsSubscription_Destroy(full);
  return r;
}

static int queue(natsConnection *nc) {
  enum { N = 200 };
  natsConnection *other = NULL;
  natsSubscription *subs[2] = {NULL, NULL};
  int seen[N] = {0};
  int counts[2] = {0, 0};
  int r = 0;
  CHECK(connect_plain(&other));
  CHECK(natsConnection_QueueSubscribeSync(&subs[0], nc, S("q"), "workers"));
  CHECK(natsConnection_QueueSubscribeSync(&subs[1], other, S("q"), "workers"));
  CHECK(natsConnection_Flush(nc));
  CHECK(natsConnection_Flush(other));
  for (int i = 0; i < N; i++) {
    char buf[16];
    snprintf(buf, sizeof buf, "%d", i);
    CHECK(natsConnection_PublishString(nc, S("q"), buf));
  }
  CHECK(natsConnection_Flush(nc));
  CHECK(natsConnection_Flush(other)); /* all the server sent either member is now read */
  for (int k = 0; k < 2; k++) {
    natsMsg *m = NULL;
    natsStatus s;
    while ((s = natsSubscription_NextMsg(&m, subs[k], 100)) == NATS_OK) {
      int i = atoi(natsMsg_GetData(m));
      if (i >= 0 && i < N) seen[i]++;
      counts[k]++;
      natsMsg_Destroy(m);
    }
    if (s != NATS_TIMEOUT) r = fail("member %d: %s", k, natsStatus_GetText(s));
  }
  for (int i = 0; i < N && r == 0; i++) {
    if (seen[i] != 1) r = fail("message %d delivered %d times", i, seen[i]);
  }
  if (r == 0 && (counts[0] == 0 || counts[1] == 0)) r = fail("one member got nothing: %d/%d", counts[0], counts[1]);
  natsSubscription_Destroy(subs[0]);
  natsSubscription_Destroy(subs[1]);
  natsConnection_Destroy(other);
  return r;
}

static void respond(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure) {
  char buf[256];
  int n = snprintf(buf, sizeof buf, "re:%.*s", natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
  if (natsMsg_GetReply(msg) != NULL) natsConnection_Publish(nc, natsMsg_GetReply(msg), buf, n);
  natsMsg_Destroy(msg);
}

static int request(natsConnection *nc) {
  natsConnection *other = NULL;
  natsSubscription *svc = NULL;
  int r = 0;
  CHECK(connect_plain(&other));
  CHECK(natsConnection_Subscribe(&svc, other, S("svc"), respond, NULL));
  CHECK(natsConnection_Flush(other));
  for (int i = 0; i < 3 && r == 0; i++) {
    char req[16], want[32];
    natsMsg *reply = NULL;
    snprintf(req, sizeof req, "hi%d", i);
    snprintf(want, sizeof want, "re:hi%d", i);
    natsStatus s = natsConnection_RequestString(&reply, nc, S("svc"), req, WAIT);
    if (s != NATS_OK) {
      r = fail("request %d: %s", i, natsStatus_GetText(s));
    } else {
      if ((int)strlen(want) != natsMsg_GetDataLength(reply) || memcmp(want, natsMsg_GetData(reply), strlen(want)) != 0) {
        r = fail("reply %.*s", natsMsg_GetDataLength(reply), natsMsg_GetData(reply));
      }
      natsMsg_Destroy(reply);
    }
  }
  natsSubscription_Unsubscribe(svc);
  natsSubscription_Destroy(svc);
  natsConnection_Destroy(other);
  return r;
}

static int headers(natsConnection *nc) {
  natsSubscription *sub = NULL;
  natsMsg *msg = NULL, *got = NULL;
  const char *v = NULL;
  const char **values = NULL;
  int count = 0, r = 0;
  CHECK(natsConnection_SubscribeSync(&sub, nc, S("h")));
  CHECK(natsConnection_Flush(nc));
  CHECK(natsMsg_Create(&msg, S("h"), NULL, "body", 4));
  CHECK(natsMsgHeader_Set(msg, "X-Id", "42"));
  CHECK(natsMsgHeader_Add(msg, "X-Multi", "a"));
  CHECK(natsMsgHeader_Add(msg, "X-Multi", "b"));
  CHECK(natsConnection_PublishMsg(nc, msg));
  natsMsg_Destroy(msg);
  CHECK(natsSubscription_NextMsg(&got, sub, WAIT));
  if (natsMsgHeader_Get(got, "X-Id", &v) != NATS_OK || strcmp(v, "42") != 0) {
    r = fail("X-Id %s", v ? v : "(missing)");
  } else if (natsMsgHeader_Values(got, "X-Multi", &values, &count) != NATS_OK || count != 2
             || !((strcmp(values[0], "a") == 0 && strcmp(values[1], "b") == 0)
                  || (strcmp(values[0], "b") == 0 && strcmp(values[1], "a") == 0))) {
    r = fail("X-Multi: %d values", count);
  } else if (natsMsg_GetDataLength(got) != 4 || memcmp(natsMsg_GetData(got), "body", 4) != 0) {
    r = fail("body %.*s", natsMsg_GetDataLength(got), natsMsg_GetData(got));
  }
  free((void *)values);
  natsMsg_Destroy(got);
  natsSubscription_Destroy(sub);
  return r;
}

static int noresponders(natsConnection *nc) {
  natsMsg *reply = NULL;
  int64_t start = nats_Now();
  natsStatus s = natsConnection_RequestString(&reply, nc, S("nobody"), "x", WAIT);
  natsMsg_Destroy(reply);
  if (s != NATS_NO_RESPONDERS) return fail("want NATS_NO_RESPONDERS, got %s", natsStatus_GetText(s));
  if (nats_Now() - start > WAIT / 2) return fail("took %lld ms", (long long)(nats_Now() - start));
  return 0;
}

static int flush(natsConnection *nc) {
  int64_t rtt = 0;
  CHECK(natsConnection_FlushTimeout(nc, WAIT));
  CHECK(natsConnection_GetRTT(nc, &rtt));
  if (rtt <= 0 || rtt > (int64_t)WAIT * 1000000) return fail("rtt %lld ns", (long long)rtt);
  return 0;
}

static int autounsubscribe(natsConnection *nc) {
  /* A connection of its own, so its inMsgs counts what the server sent for this subscription. */
  natsConnection *sc = NULL;
  natsSubscription *sub = NULL;
  natsStatistics *stats = NULL;
  uint64_t in = 0;
  char got[64];
  int r = 0;
  CHECK(connect_plain(&sc));
  CHECK(natsConnection_SubscribeSync(&sub, sc, S("auto")));
  CHECK(natsSubscription_AutoUnsubscribe(sub, 3));
  CHECK(natsConnection_Flush(sc));
  for (int i = 0; i < 5; i++) {
    char buf[16];
    snprintf(buf, sizeof buf, "%d", i);
    CHECK(natsConnection_PublishString(nc, S("auto"), buf));
  }
  CHECK(natsConnection_Flush(nc));
  CHECK(natsConnection_Flush(sc)); /* all the server sent sc is now read */
  for (int i = 0; i < 3 && r == 0; i++) {
    char want[64];
    snprintf(want, sizeof want, "%sauto:%d", prefix, i);
    natsStatus s = next(sub, got, sizeof got, WAIT);
    if (s != NATS_OK) r = fail("message %d: %s", i, natsStatus_GetText(s));
    else if (strcmp(got, want) != 0) r = fail("message %d: %s", i, got);
  }
  if (r == 0) {
    natsStatus s = next(sub, got, sizeof got, 100);
    if (s == NATS_OK) r = fail("a 4th message arrived: %s", got);
    else if (natsSubscription_IsValid(sub)) r = fail("subscription still valid after 3 messages");
  }
  if (r == 0) {
    CHECK(natsStatistics_Create(&stats));
    CHECK(natsConnection_GetStats(sc, stats));
    CHECK(natsStatistics_GetCounts(stats, &in, NULL, NULL, NULL, NULL));
    natsStatistics_Destroy(stats);
    if (in != 3) r = fail("the server sent %llu messages, want 3 (UNSUB max not honoured)", (unsigned long long)in);
  }
  natsSubscription_Destroy(sub);
  natsConnection_Destroy(sc);
  return r;
}

static int maxpayload(natsConnection *nc) {
  int64_t max = natsConnection_GetMaxPayload(nc);
  natsSubscription *sub = NULL;
  natsMsg *m = NULL;
  if (max <= 0) return fail("max_payload %lld", (long long)max);
  char *body = malloc(max + 1);
  memset(body, 'x', max + 1);
  natsStatus s = natsConnection_Publish(nc, S("big"), body, (int)max + 1);
  if (s != NATS_MAX_PAYLOAD) {
    free(body);
    return fail("publish of %lld bytes: want NATS_MAX_PAYLOAD, got %s", (long long)max + 1, natsStatus_GetText(s));
  }
  int r = 0;
  s = natsConnection_SubscribeSync(&sub, nc, S("big"));
  if (s == NATS_OK) s = natsConnection_Flush(nc);
  if (s == NATS_OK) s = natsConnection_Publish(nc, S("big"), body, (int)max);
  if (s == NATS_OK) s = natsSubscription_NextMsg(&m, sub, WAIT);
  if (s != NATS_OK) r = fail("publish of exactly max_payload: %s", natsStatus_GetText(s));
  else if (natsMsg_GetDataLength(m) != max || memcmp(natsMsg_GetData(m), body, max) != 0) r = fail("got %d bytes back", natsMsg_GetDataLength(m));
  natsMsg_Destroy(m);
  natsSubscription_Destroy(sub);
  free(body);
  return r;
}

static int noecho(natsConnection *nc) {
  natsConnection *quiet = NULL;
  natsSubscription *sub = NULL;
  CHECK(connect_opts(&quiet, 1));
  CHECK(natsConnection_SubscribeSync(&sub, quiet, S("echo")));
  CHECK(natsConnection_Flush(quiet));
  CHECK(natsConnection_PublishString(quiet, S("echo"), "self"));
  CHECK(natsConnection_Flush(quiet));
  CHECK(natsConnection_PublishString(nc, S("echo"), "peer"));
  CHECK(natsConnection_Flush(nc));
  const char *want[] = {S("echo:peer")};
  int r = expect(sub, "noecho", 1, want);
  natsSubscription_Destroy(sub);
  natsConnection_Destroy(quiet);
  return r;
}

static void timeout(int sig) {
  static const char msg[] = "FAIL timeout: the suite did not finish in 25 s\n";
  (void)sig;
  (void)!write(1, msg, sizeof msg - 1);
  _exit(2);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: conformance <port>\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGALRM, timeout);
  alarm(25);
  snprintf(url, sizeof url, "nats://127.0.0.1:%s", argv[1]);
  snprintf(prefix, sizeof prefix, "c.%d.", (int)getpid());
  natsConnection *nc = NULL;
  natsStatus s = connect_plain(&nc);
  if (s != NATS_OK) {
    printf("FAIL connect: %s (%s)\n", natsStatus_GetText(s), nats_GetLastError(NULL));
    return 1;
  }
  static const struct {
    const char *name;
    int (*run)(natsConnection *);
  } scenarios[] = {
      {"connect", connect_info},   {"pubsub", pubsub},         {"wildcard", wildcard},
      {"queue", queue},            {"request", request},       {"headers", headers},
      {"noresponders", noresponders}, {"flush", flush},       {"autounsubscribe", autounsubscribe},
      {"maxpayload", maxpayload},  {"noecho", noecho},
  };
  int failed = 0;
  for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
    reason[0] = '\0';
    if (scenarios[i].run(nc) != 0) {
      printf("FAIL %s: %s\n", scenarios[i].name, reason);
      failed++;
    } else {
      printf("PASS %s\n", scenarios[i].name);
    }
  }
  if (natsConnection_Status(nc) != NATS_CONN_STATUS_CONNECTED) {
    printf("FAIL connection: lost during the suite\n");
    failed++;
  }
  natsConnection_Destroy(nc);
  nats_Close();
  return failed > 0 ? 1 : 0;
}
