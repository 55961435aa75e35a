/* lc-api-pages.c — the conference pages of the web UI:
 *
 *   GET /conferences    web/conferences.html (booking: week and list views, the form)
 *   GET /room/{id}      web/room.html (device check, lobby, the conference room)
 *
 * Served like /studio/{id} and /watch/{id} (lc_api_respond_page: no-cache,
 * the pages' Content-Security-Policy, Referrer-Policy). The pages ask the API
 * for everything else, so any id gets the page; the page reports an unknown
 * conference itself. */
#include "signaling/lc-api-private.h"

static gboolean
route_conferences_page (LcApi *api, LcRequest *req, GError **error)
{
  return lc_api_respond_page (api, req, "conferences.html", error);
}

static gboolean
route_room_page (LcApi *api, LcRequest *req, GError **error)
{
  return lc_api_respond_page (api, req, "room.html", error);
}

LC_API_DEFINE_HANDLER (handle_conferences_page, route_conferences_page)
LC_API_DEFINE_HANDLER (handle_room_page, route_room_page)

static const LcApiRoute page_routes[] = {
  { "GET", "/conferences", handle_conferences_page },
  { "GET", "/room/{id}", handle_room_page },
};

void
lc_api_register_pages (LcApi *api, LcHttpServer *server)
{
  lc_api_add_routes (api, server, page_routes, G_N_ELEMENTS (page_routes));
}
