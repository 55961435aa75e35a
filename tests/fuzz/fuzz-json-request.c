/* fuzz-json-request.c — libFuzzer target for the JSON request path: limits,
 * UTF-8 and strict syntax checks, json-glib, and table-driven validation
 * against a lesson-create spec. Besides crashes, leaks and UB it checks that
 * every failure carries an LC_ERROR with a UTF-8 message. */
#include <stdint.h>
#include <stdlib.h>

#include "common/lc-error.h"
#include "common/lc-json.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char *const visibility_choices[] = { "public", "unlisted", NULL };

/* A lesson create request, plus one field of each remaining kind. */
static const LcFieldSpec lesson_create_specs[] = {
  { "id", LC_FIELD_ID, LC_FIELD_READONLY },
  { "title", LC_FIELD_STRING, LC_FIELD_REQUIRED, 1, 200 },
  { "description", LC_FIELD_TEXT, LC_FIELD_NULLABLE, 0, 5000 },
  { "subject", LC_FIELD_STRING, LC_FIELD_REQUIRED, 1, 100 },
  { "grade", LC_FIELD_INT, LC_FIELD_NULLABLE, 1, 11 },
  { "school_id", LC_FIELD_ID, LC_FIELD_OPTIONAL },
  { "teacher_id", LC_FIELD_ID, LC_FIELD_OPTIONAL },
  { "starts_at", LC_FIELD_TIME, LC_FIELD_REQUIRED },
  { "ends_at", LC_FIELD_TIME, LC_FIELD_REQUIRED },
  { "visibility", LC_FIELD_ENUM, LC_FIELD_OPTIONAL, 0, 0, 0, 0, visibility_choices },
  { "recording", LC_FIELD_BOOL, LC_FIELD_OPTIONAL },
  { "website", LC_FIELD_URL, LC_FIELD_NULLABLE, 0, 500 },
  { "latitude", LC_FIELD_DOUBLE, LC_FIELD_NULLABLE, 0, 0, -90.0, 90.0 },
  { "counter", LC_FIELD_INT, LC_FIELD_OPTIONAL },
  { "created_at", LC_FIELD_TIME, LC_FIELD_READONLY },
};

/* A failure must come with an LC_ERROR whose message is valid UTF-8 (it is
 * sent to clients as problem+json "detail"). */
static void
check_failure (const GError *error)
{
  if (error == NULL || error->domain != LC_ERROR || error->message == NULL
      || !g_utf8_validate (error->message, -1, NULL))
    abort ();
  if (lc_error_get_field (error) != NULL && !g_utf8_validate (lc_error_get_field (error), -1, NULL))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *text = NULL;
  int partial;

  node = lc_json_parse ((const char *) data, size, 64 * 1024, 32, &error);
  if (node == NULL)
    {
      check_failure (error);
      return 0;
    }
  if (error != NULL)
    abort ();

  for (partial = 0; partial <= 1; partial++)
    {
      g_autoptr (GError) validate_error = NULL;

      if (!lc_json_validate (node, lesson_create_specs, G_N_ELEMENTS (lesson_create_specs),
                             partial, &validate_error))
        check_failure (validate_error);
      else if (validate_error != NULL)
        abort ();
    }

  text = lc_json_to_string (node);
  if (text == NULL)
    abort ();
  return 0;
}
