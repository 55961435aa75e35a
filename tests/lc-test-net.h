/* lc-test-net.h — shared helpers for tests that drive an LcHttpServer on the
 * global default main context: waiting without blocking that context, the
 * server fixture (listen on 127.0.0.1:0, tear down to zero connections), an
 * asynchronous SoupSession client, and a raw-socket client for bytes no HTTP
 * client would send. */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "signaling/lc-http-server.h"

G_BEGIN_DECLS

/* ---- waiting on the main context (never blocking it) ---- */

/* Iterate the context until cond (data) holds; fails the test after timeout_ms. */
void lc_test_run_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms);
/* Keep the context running for ms (servers and timers make progress). */
void lc_test_run_for (guint ms);

/* ---- the LcHttpServer under test ---- */

typedef struct
{
  LcHttpServer *server; /* made and given routes by the test */
  guint16 port;
  SoupSession *session; /* no proxy lookup: loopback only */
  gboolean tls;         /* requests use https and accept any certificate */
} LcTestHttp;

/* Listen on 127.0.0.1:0 (asserts), read the port back, open the session. */
void lc_test_http_listen (LcTestHttp *http);
/* Abort the session's requests and drop it: its connections close. */
void lc_test_http_close_session (LcTestHttp *http);
/* Wait until the server counts no connection; fails the test after timeout_ms. */
void lc_test_http_wait_no_connections (LcTestHttp *http, guint timeout_ms);
/* Assert the server's last reference goes, then let the sources that held
 * the last references of libsoup objects run. */
void lc_test_http_finalize (LcTestHttp *http);

/* ---- SoupSession client ---- */

typedef struct
{
  gboolean done;
  SoupMessage *msg;
  GBytes *body;
  GError *error;
} LcTestHttpResult;

void lc_test_http_result_free (LcTestHttpResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcTestHttpResult, lc_test_http_result_free)

/* Start a request; body_type/body nullable; extra headers: name, value, …, NULL.
 * (transfer full) */
LcTestHttpResult *lc_test_http_begin (LcTestHttp *http, const char *method, const char *path,
                                      const char *body_type, const char *body,
                                      ...) G_GNUC_NULL_TERMINATED;
/* Wait (10 s at most) for r to complete; returns r. (transfer none) */
LcTestHttpResult *lc_test_http_finish (LcTestHttpResult *r);

#define LC_TEST_HTTP(http, method, path)                                                           \
  lc_test_http_finish (lc_test_http_begin (http, method, path, NULL, NULL, NULL))

/* The response status (asserts the request did not fail). */
guint lc_test_http_status (LcTestHttpResult *r);
/* A response header, NULL when absent. (transfer none) */
const char *lc_test_http_header (LcTestHttpResult *r, const char *name);
/* The response body as a string ("" when none). (transfer full) */
char *lc_test_http_text (LcTestHttpResult *r);

/* ---- raw socket client, pumped on the main context ---- */

typedef struct
{
  GSocket *socket;
  GString *in;      /* everything received */
  GByteArray *out;  /* everything queued */
  gsize out_offset; /* how much of out went out */
  gboolean eof;     /* EOF or reset seen (nothing more is sent then) */
} LcTestRaw;

/* Connect to 127.0.0.1:port (asserts); a loopback connect completes from the
 * backlog without the server running. (transfer full) */
LcTestRaw *lc_test_raw_connect (guint16 port);
void lc_test_raw_free (LcTestRaw *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcTestRaw, lc_test_raw_free)

void lc_test_raw_queue (LcTestRaw *r, const void *data, gsize len);
void lc_test_raw_queue_str (LcTestRaw *r, const char *text);
/* Send what the socket takes and read what it has, without blocking. */
void lc_test_raw_io (LcTestRaw *r);
/* Pump the socket until done (r) or timeout_ms; returns done (r). */
gboolean lc_test_raw_pump (LcTestRaw *r, gboolean (*done) (LcTestRaw *), guint timeout_ms);

/* Length of the first complete HTTP/1.1 response in data, 0 if incomplete
 * (Content-Length framed or without a body). */
gsize lc_test_http_response_length (const char *data, gsize len);
/* Conditions for lc_test_raw_pump. */
gboolean lc_test_raw_has_response (LcTestRaw *r); /* a complete response, or EOF */
gboolean lc_test_raw_is_closed (LcTestRaw *r);
/* The status of the first response ("HTTP/1.1 " or "HTTP/1.0 "), 0 if none. */
guint lc_test_raw_status (LcTestRaw *r);

G_END_DECLS
