/* lc-api-private.h — what the lc-api*.c files share: the LcApi instance
 * struct, the authenticated principal, role checks, request helpers (query,
 * body, paging cursors) and the JSON builders. Not installed; tests may include it. */
#pragma once

#include "common/lc-crypto.h"
#include "common/lc-error.h"
#include "common/lc-json.h"
#include "common/lc-model.h"
#include "common/lc-password.h"
#include "common/lc-throttle.h"
#include "common/lc-time.h"
#include "lc-api.h"
#include "lc-live.h"

G_BEGIN_DECLS

#define LC_SESSION_COOKIE "lc_session"
/* last_seen_at / last_used_at are written at most this often (seconds). */
#define LC_API_TOUCH_INTERVAL 60
/* A lesson may start this many seconds in the past (clock skew, slow forms). */
#define LC_API_START_TOLERANCE 300

struct _LcApi
{
  GObject parent_instance;

  LcStore *store;
  LcConfig *config;
  LcThrottle *login_throttle; /* keys "acct:<login>" and "ip:<client>" */
  LcKdfParams kdf;
  char *dummy_hash;    /* verified against for unknown logins (same cost as a real check) */
  guint kdf_in_flight; /* password verifications running in worker threads */
  guint kdf_max_in_flight;
  GHashTable *logins_in_flight; /* lower-case logins being verified: one guess at a time */
  gboolean ready;

  /* Live lessons (lc-api-webrtc.c, lc-api-hls.c, lc-api-recordings.c). */
  LcLive *live;             /* nullable: WHIP/WHEP answer 503 without it */
  char *web_root;           /* nullable: /studio/{id} and /watch/{id} answer 404 without it */
  char *hls_dir;            /* <data_dir>/hls */
  char *recordings_dir;     /* <data_dir>/recordings */
  GHashTable *whip_buckets; /* client address → token bucket (lc-api-webrtc.c) */
  gint64 whip_pruned_us;

  /* Conferences (lc-api-conferences.c, lc-api-calendar.c, lc-api-conference-ws.c). */
  LcConferenceHub *conference_hub; /* nullable: participants_now 0, the WebSocket 503 */
  GBytes *join_key; /* nullable: join links, join tokens and calendar keys answer 503 */
};

/* Who is calling. Anonymous callers have no principal (NULL). */
typedef struct
{
  LcAccount *account;
  char *session_hash; /* set when authenticated by the session cookie */
  char *token_id;     /* set when authenticated by a bearer API token */
} LcPrincipal;

void lc_principal_free (LcPrincipal *principal);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcPrincipal, lc_principal_free)

/* Resolve the caller: "Authorization: Bearer <token>" or the lc_session
 * cookie. Returns TRUE with *out = NULL for anonymous callers. A bad, revoked
 * or expired bearer token is 401 (no fallback to anonymous); an unknown or
 * expired session cookie counts as anonymous and is cleared with a
 * Set-Cookie. Cookie-authenticated unsafe methods must pass the Origin check
 * (LC_ERROR_CSRF otherwise). */
gboolean lc_api_authenticate (LcApi *api, LcRequest *req, LcPrincipal **out, GError **error);
/* Same, but anonymous is LC_ERROR_UNAUTHORIZED. */
LcPrincipal *lc_api_require_principal (LcApi *api, LcRequest *req, GError **error);

/* The CSRF rule on its own (pure apart from reading the request's headers). */
gboolean lc_api_check_origin (LcApi *api, LcRequest *req, GError **error);
/* "scheme://host[:port]" lower-cased without default port, or NULL. (transfer full) */
char *lc_api_normalize_origin (const char *url);
/* Base URL for absolute links (server.public_url, else scheme://Host). (transfer full) */
char *lc_api_dup_base_url (LcApi *api, LcRequest *req);

/* ---- role checks (pure) ---- */
gboolean lc_principal_is_operator (const LcPrincipal *p);
/* Coordinator or teacher whose school is school_id. */
gboolean lc_principal_is_staff_of (const LcPrincipal *p, const char *school_id);
gboolean lc_principal_is_coordinator_of (const LcPrincipal *p, const char *school_id);
/* The lesson's teacher, a coordinator of its school, or an operator. */
gboolean lc_can_manage_lesson (const LcPrincipal *p, const LcLesson *lesson);
/* Operator or staff of the lesson's school: may see teacher ids. */
gboolean lc_can_see_lesson_staff (const LcPrincipal *p, const LcLesson *lesson);
/* Operator, a coordinator of the account's school, or the account itself. */
gboolean lc_can_view_account (const LcPrincipal *p, const LcAccount *account);
/* Operator; or a coordinator for teachers of their own school. */
gboolean lc_can_manage_account (const LcPrincipal *p, const LcAccount *account);

/* ---- request helpers ---- */
/* 400 when the query has a parameter outside allowed (NULL-terminated). */
gboolean lc_api_check_query (LcRequest *req, const char *const *allowed, GError **error);
/* "limit": default lessons.default_page_size, 1..lessons.max_page_size else 422. */
gboolean lc_api_parse_limit (LcApi *api, LcRequest *req, guint *limit, GError **error);
/* Parse the body and validate it against specs. (transfer full) object node. */
JsonNode *lc_api_parse_body (LcRequest *req, const LcFieldSpec *specs, gsize n_specs,
                             gboolean partial, GError **error);

/* Cursors: base64url of a compact JSON array. shape is one letter per element:
 * 's' non-empty string, 'i' integer. Decoding is strict: anything else is
 * LC_ERROR_MALFORMED with field "cursor". */
char *lc_api_cursor_encode (JsonArray *values);
JsonArray *lc_api_cursor_decode (const char *text, const char *shape, GError **error);

/* Keyset cursors over (starts_at, id), the order of lessons, conferences and
 * recordings: parse the request's "cursor" (*set FALSE when absent; 400 when
 * it is not one of ours); *values keeps *after_id alive (transfer full). */
gboolean lc_api_time_cursor_parse (LcRequest *req, gboolean *set, gint64 *after_starts_at,
                                   const char **after_id, JsonArray **values, GError **error);
char *lc_api_time_cursor_encode (gint64 starts_at, const char *id);

/* The "from" and "to" query parameters (RFC 3339, each optional) into *from
 * and *before, left alone when absent; 422 when to is not after from. */
gboolean lc_api_parse_time_range (LcRequest *req, gint64 *from, gint64 *before, GError **error);

/* The request's {id} capture when it is an id, else NULL with
 * LC_ERROR_NOT_FOUND "no such <what>". (transfer none) */
const char *lc_api_get_id_param (LcRequest *req, const char *what, GError **error);
/* The school of the request's {id} capture (NOT_FOUND for a bad id or a
 * missing school). (transfer full) */
LcSchool *lc_api_get_school (LcApi *api, LcRequest *req, GError **error);
/* TRUE when school_id names an existing school; else 422 on field ("no such
 * school"), other store errors passed on. */
gboolean lc_api_check_school_exists (LcApi *api, const char *school_id, const char *field,
                                     GError **error);

/* {"items": items, "next_cursor": next_cursor|null} (takes items). */
void lc_api_respond_list (LcRequest *req, JsonArray *items, const char *next_cursor);

/* {"items": items} for short, unpaged lists (takes items). */
void lc_api_respond_items (LcRequest *req, JsonArray *items);

/* One audit event with the caller's account and address (details: JSON text
 * or NULL; never secrets). */
void lc_api_audit (LcApi *api, LcRequest *req, const LcPrincipal *p, const char *action,
                   const char *object_type, const char *object_id, const char *details_json);

/* {"fields":["title",…]}: the member names of a PATCH body, for audit
 * details (names only, never values). (transfer full) */
char *lc_api_fields_json (JsonObject *o);

/* Cache-Control: no-store, for responses carrying secrets or personal data. */
void lc_api_no_store (LcRequest *req);

/* JSON member helpers on validated objects. */
gboolean lc_json_has (JsonObject *o, const char *name);
gboolean lc_json_is_null (JsonObject *o, const char *name);
/* NULL when absent or null. (transfer none) */
const char *lc_json_string (JsonObject *o, const char *name);

/* ---- JSON builders ---- */
JsonNode *lc_school_to_json (const LcSchool *school);
JsonNode *lc_account_to_json (const LcAccount *account);
JsonNode *lc_api_token_to_json (const LcApiToken *token);

/* Schools and teachers of lessons, loaded once per request. */
typedef struct
{
  LcStore *store;
  GHashTable *schools;  /* id → LcSchool */
  GHashTable *accounts; /* id → LcAccount */
  LcLive *live;         /* nullable: the "live" member is null without it */
} LcLessonContext;

void lc_lesson_context_init (LcLessonContext *ctx, LcStore *store);
/* Same, with the api's store and live registry. */
void lc_api_lesson_context_init (LcApi *api, LcLessonContext *ctx);
void lc_lesson_context_clear (LcLessonContext *ctx);
/* (transfer none) or NULL with an error (NOT_FOUND when missing). */
const LcSchool *lc_lesson_context_school (LcLessonContext *ctx, const char *id, GError **error);
const LcAccount *lc_lesson_context_account (LcLessonContext *ctx, const char *id, GError **error);
/* The Lesson object, with the teacher-name consent rule, its WHEP and HLS
 * URLs and its "live" state (null when not live). */
JsonNode *lc_lesson_to_json (LcLessonContext *ctx, const LcPrincipal *p, const LcLesson *lesson,
                             GError **error);

/* ---- recordings (lc-api-recordings.c) ---- */

/* The Recording object. */
JsonNode *lc_recording_to_json (const LcRecording *recording);
/* The lesson's recordings as the caller may see them (the public: ready
 * ones only), newest first. (transfer full) */
JsonArray *lc_api_lesson_recordings (LcApi *api, const LcPrincipal *p, const LcLesson *lesson,
                                     GError **error);

/* Answer GET/HEAD with a file: strong ETag (etag, or one from size, mtime
 * and inode when NULL), If-None-Match → 304, single byte ranges when ranges
 * is TRUE (206 + Content-Range, 416 + Content-Range: bytes * /size,
 * If-Range), the body memory-mapped, never read into memory. NOT_FOUND when
 * path is not a regular file. Headers such as Cache-Control are set by the
 * caller before. */
gboolean lc_api_respond_file (LcRequest *req, const char *path, const char *content_type,
                              const char *etag, gboolean ranges, GError **error);
/* Answer with the HTML page name of the web root (no-cache, the pages' CSP,
 * Referrer-Policy); NOT_FOUND without a web root. Used by lc-api-pages.c. */
gboolean lc_api_respond_page (LcApi *api, LcRequest *req, const char *name, GError **error);

/* ---- routes ---- */

/* A route implementation: responds itself and returns TRUE, or returns FALSE
 * with an error that the wrapper turns into a problem response. */
typedef gboolean (*LcApiRouteImpl) (LcApi *api, LcRequest *req, GError **error);

#define LC_API_DEFINE_HANDLER(handler, impl)                                                       \
  static void handler (LcRequest *req, gpointer user_data)                                         \
  {                                                                                                \
    g_autoptr (GError) handler_error = NULL;                                                       \
                                                                                                   \
    if (!impl (LC_API (user_data), req, &handler_error))                                           \
      lc_request_respond_error (req, handler_error);                                               \
  }

typedef struct
{
  const char *method;
  const char *pattern;
  LcRouteHandler handler;
} LcApiRoute;

void lc_api_add_routes (LcApi *api, LcHttpServer *server, const LcApiRoute *routes, gsize n_routes);

/* ---- route registration, one per file ---- */
void lc_api_register_auth (LcApi *api, LcHttpServer *server);
void lc_api_register_schools (LcApi *api, LcHttpServer *server);
void lc_api_register_accounts (LcApi *api, LcHttpServer *server);
void lc_api_register_lessons (LcApi *api, LcHttpServer *server);
void lc_api_register_webrtc (LcApi *api, LcHttpServer *server);
void lc_api_register_hls (LcApi *api, LcHttpServer *server);
void lc_api_register_recordings (LcApi *api, LcHttpServer *server);

/* ---- conferences (lc-api-conferences.c: booking; lc-api-calendar.c: join
 * links, room info, attendance, calendars, public config) ---- */

/* May see the conference: an operator, or staff (coordinator or teacher) of
 * its host school or of an invited school (whatever the invitation's state). */
gboolean lc_can_see_conference (const LcPrincipal *p, const LcConference *conference);
/* May edit or cancel it, hand out links for any of its schools and read its
 * attendance: a coordinator of the host school or an operator. */
gboolean lc_can_manage_conference (const LcPrincipal *p, const LcConference *conference);
/* The room role of a logged-in account: host for the host school's
 * coordinators and operators, participant for other staff of a school taking
 * part (the host or an accepted invitation); FALSE when the account may not
 * join. */
gboolean lc_conference_account_role (const LcPrincipal *p, const LcConference *conference,
                                     LcConferenceRole *role);

/* The host school or an invited one (whatever the answer). */
gboolean lc_conference_involves_school (const LcConference *conference, const char *school_id);

/* The conference of the request's {id} capture (NOT_FOUND for a bad id or a
 * missing one; visibility is the caller's business). (transfer full) */
LcConference *lc_api_get_conference (LcApi *api, LcRequest *req, GError **error);
/* Same, but NOT_FOUND unless p may see it. (transfer full) */
LcConference *lc_api_get_visible_conference (LcApi *api, LcRequest *req, const LcPrincipal *p,
                                             GError **error);
/* When its room opens: starts_at − conferences.room_opens_before minutes. */
gint64 lc_api_conference_opens_at (LcApi *api, const LcConference *conference);
/* The status the API shows: a scheduled conference past its end is "ended". */
LcConferenceStatus lc_conference_effective_status (const LcConference *conference, gint64 now);

/* Scheduled and not over yet, the only state in which a conference, its
 * invitations and its links change: LC_ERROR_CONFLICT otherwise. */
gboolean lc_conference_require_changeable (const LcConference *conference, gint64 now,
                                           GError **error);

/* o[name] = t as RFC 3339 UTC. */
void lc_json_set_time (JsonObject *o, const char *name, gint64 t);
/* {id, name, short_name, district} of a school. */
JsonNode *lc_school_summary_to_json (const LcSchool *school);
/* The Conference object (schools resolved through ctx). */
JsonNode *lc_conference_to_json (LcApi *api, LcLessonContext *ctx, const LcConference *conference,
                                 GError **error);

void lc_api_register_conferences (LcApi *api, LcHttpServer *server);
void lc_api_register_calendar (LcApi *api, LcHttpServer *server);
void lc_api_register_pages (LcApi *api, LcHttpServer *server);
void lc_api_register_conference_ws (LcApi *api, LcHttpServer *server);

/* ---- lessons and recordings: shared look-ups (lc-api-lessons.c) ---- */

/* Which lessons (and recordings of lessons) a list shows p (nullable): all to
 * an operator, those of their school to other accounts of a school, public
 * ones to everyone else. *school_id: p's school for LC_LESSON_SCOPE_SCHOOL,
 * else NULL. (transfer none) */
LcLessonScope lc_api_lesson_list_scope (const LcPrincipal *p, const char **school_id);

G_END_DECLS
