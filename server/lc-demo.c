/* lc-demo.c — demo data for `serve --demo` and the quick start: five Moscow
 * schools in three districts, a coordinator and a teacher per school with
 * random passwords (listed once in `out`), a dozen scheduled open lessons
 * over the coming week, and three conferences between the schools (one whose
 * room is open now for two hours, one tomorrow with an invitation still
 * pending, one cancelled). All in one transaction; nothing when schools
 * exist. Also the lesson of the demo broadcast (lc_demo_live_lesson). */
#include "lc-demo.h"

#include <string.h>

#include "common/lc-crypto.h"
#include "common/lc-error.h"

#define DEMO_PASSWORD_CHARS 16
#define MOSCOW_UTC_OFFSET_S (3 * 3600) /* Moscow has no daylight saving time */
#define DAY_S 86400

typedef struct
{
  const char *code; /* login suffix: coord.<code>, teacher.<code> */
  const char *name;
  const char *short_name;
  const char *district;
  const char *address;
  double latitude, longitude;
  const char *website;
  const char *coordinator_name;
  const char *teacher_name;
  gboolean teacher_consents; /* may the teacher's name be shown publicly? */
} DemoSchool;

static const DemoSchool demo_schools[] = {
  { "s57", "ГБОУ города Москвы «Школа № 57»", "Школа № 57", "Хамовники",
    "Малый Знаменский пер., 7/10, стр. 5", 55.7475, 37.6030, "https://school57.example.ru",
    "Ольга Викторовна Морозова", "Анна Петровна Смирнова", TRUE },
  { "l1535", "ГБОУ города Москвы «Лицей № 1535»", "Лицей № 1535", "Хамовники", "ул. Усачёва, 50",
    55.7270, 37.5660, "https://lyceum1535.example.ru", "Сергей Николаевич Волков",
    "Дмитрий Андреевич Кузнецов", FALSE },
  { "s1543", "ГБОУ города Москвы «Школа № 1543»", "Школа № 1543", "Тропарёво-Никулино",
    "ул. 26 Бакинских Комиссаров, 3, корп. 5", 55.6650, 37.4860, "https://school1543.example.ru",
    "Наталья Игоревна Соколова", "Мария Сергеевна Лебедева", TRUE },
  { "g1514", "ГБОУ города Москвы «Гимназия № 1514»", "Гимназия № 1514", "Раменки",
    "Ломоносовский пр-т, 16", 55.6980, 37.5390, "https://gymnasium1514.example.ru",
    "Елена Александровна Попова", "Игорь Владимирович Новиков", FALSE },
  { "s1329", "ГБОУ города Москвы «Школа № 1329»", "Школа № 1329", "Раменки",
    "Мичуринский пр-т, 13, корп. 2", 55.6950, 37.5080, "https://school1329.example.ru",
    "Татьяна Михайловна Козлова", "Алексей Павлович Орлов", TRUE },
};

typedef struct
{
  int school;       /* index into demo_schools; the lesson's teacher is that school's teacher */
  int day;          /* days after today (1..7) */
  int hour, minute; /* Moscow time */
  int minutes;
  const char *subject;
  int grade;
  const char *title;
  const char *description;
  gboolean unlisted;
} DemoLesson;

static const DemoLesson demo_lessons[] = {
  { 0, 1, 9, 0, 45, "Математика", 5, "Дроби в повседневной жизни",
    "Делим пиццу, считаем сдачу и сравниваем скидки: дроби на примерах из жизни.", FALSE },
  { 1, 1, 11, 0, 45, "Физика", 9, "Законы Ньютона на опытах",
    "Тележки, пружины и датчики силы: проверяем три закона Ньютона в лаборатории.", FALSE },
  { 2, 2, 10, 0, 45, "Русский язык", 9, "Сочинение-рассуждение: как аргументировать",
    "Разбираем структуру рассуждения и подбираем аргументы из прочитанных книг.", FALSE },
  { 3, 2, 13, 30, 90, "Литература", 11, "Поэзия Серебряного века",
    "Блок, Ахматова, Мандельштам: читаем вслух и спорим о смыслах.", FALSE },
  { 4, 3, 9, 30, 45, "История", 8, "Москва в 1812 году",
    "Пожар Москвы глазами современников: письма, дневники, карты.", FALSE },
  { 0, 3, 12, 0, 45, "Биология", 6, "Клетка под микроскопом",
    "Готовим препарат кожицы лука и рассматриваем клетки в цифровой микроскоп.", TRUE },
  { 1, 4, 10, 0, 45, "Химия", 8, "Химические реакции вокруг нас",
    "Ржавчина, тесто и газировка: какие реакции происходят на кухне.", FALSE },
  { 2, 4, 14, 0, 90, "Информатика", 10, "Алгоритмы сортировки",
    "Сортируем карточки руками, потом пишем и сравниваем программы на Python.", FALSE },
  { 3, 5, 11, 0, 45, "Английский язык", 7, "Speaking Club: My City",
    "Рассказываем о своём районе по-английски: лексика, вопросы, мини-интервью.", FALSE },
  { 4, 5, 13, 0, 45, "География", 8, "Климат России",
    "Климатические пояса на карте и реальные данные метеостанций.", FALSE },
  { 0, 6, 10, 0, 45, "Математика", 7, "Геометрия в архитектуре Москвы",
    "Ищем симметрию и подобие в фасадах и мостах города.", FALSE },
  { 2, 7, 12, 0, 45, "Физика", 8, "Электричество дома",
    "Собираем простые цепи и разбираемся, почему выбивает пробки.", FALSE },
};

typedef struct
{
  int host;       /* index into demo_schools */
  int invited[2]; /* indexes, -1 = none */
  LcInviteStatus answers[2];
  int day;          /* days after today; -1 = starts now (the room is open at once) */
  int hour, minute; /* Moscow time (day ≥ 0) */
  int minutes;
  const char *title;
  const char *description;
  const char *agenda;
  gboolean cancelled;
} DemoConference;

static const DemoConference demo_conferences[] = {
  { 0,
    { 1, 2 },
    { LC_INVITE_ACCEPTED, LC_INVITE_ACCEPTED },
    -1,
    0,
    0,
    120,
    "Межшкольный семинар: проектная неделя",
    "Школы рассказывают о проектах учеников и договариваются о совместной защите.",
    "1. Приветствие\n2. Проекты Школы № 57\n3. Проекты Лицея № 1535 и Школы № 1543\n4. Вопросы",
    FALSE },
  { 1,
    { 0, 3 },
    { LC_INVITE_PENDING, LC_INVITE_ACCEPTED },
    1,
    15,
    0,
    60,
    "Методическое объединение учителей физики",
    "Обмен опытом: лабораторные работы с цифровыми датчиками.",
    "",
    FALSE },
  { 2,
    { 4, -1 },
    { LC_INVITE_ACCEPTED, LC_INVITE_PENDING },
    2,
    16,
    0,
    45,
    "Олимпиада по информатике: разбор задач",
    "Перенесена на следующую четверть.",
    "",
    TRUE },
};

typedef struct
{
  const LcKdfParams *kdf;
  gint64 now;
  GString *table; /* the demo logins and passwords, appended to out on success */
} SeedContext;

static char *
generate_password (void)
{
  g_autofree char *secret = lc_secret_new (NULL); /* 43 base64url characters */

  return g_strndup (secret, DEMO_PASSWORD_CHARS);
}

/* Append text padded with spaces to width characters (not bytes: Cyrillic). */
static void
append_padded (GString *out, const char *text, glong width)
{
  g_string_append (out, text);
  for (glong i = g_utf8_strlen (text, -1); i < width; i++)
    g_string_append_c (out, ' ');
}

static void
append_row (GString *out, const char *login, const char *role, const char *school,
            const char *password)
{
  g_string_append (out, "  ");
  append_padded (out, login, 17);
  append_padded (out, role, 13);
  append_padded (out, school, 17);
  g_string_append_printf (out, "%s\n", password);
}

/* Insert one demo account with a fresh random password; its id in out_id. */
static gboolean
add_account (LcStore *store, SeedContext *ctx, const char *login, const char *display_name,
             LcRole role, const DemoSchool *demo, const char *school_id, gboolean consent,
             char **out_id, GError **error)
{
  g_autoptr (LcAccount) account = lc_account_new ();
  g_autofree char *password = generate_password ();

  account->id = lc_id_new ();
  account->login = g_strdup (login);
  account->display_name = g_strdup (display_name);
  account->role = role;
  account->school_id = g_strdup (school_id);
  account->consent_publish_name = consent;
  account->password_hash = lc_password_hash (password, ctx->kdf, error);
  if (account->password_hash == NULL)
    return FALSE;
  account->created_at = account->updated_at = account->password_changed_at = ctx->now;
  if (!lc_store_insert_account (store, account, error))
    return FALSE;
  append_row (ctx->table, login, lc_role_to_string (role), demo->short_name, password);
  *out_id = g_steal_pointer (&account->id);
  return TRUE;
}

static gboolean
add_school (LcStore *store, SeedContext *ctx, const DemoSchool *demo, char **out_id, GError **error)
{
  g_autoptr (LcSchool) school = lc_school_new ();

  school->id = lc_id_new ();
  school->name = g_strdup (demo->name);
  school->short_name = g_strdup (demo->short_name);
  school->district = g_strdup (demo->district);
  school->address = g_strdup (demo->address);
  school->has_location = TRUE;
  school->latitude = demo->latitude;
  school->longitude = demo->longitude;
  school->website = g_strdup (demo->website);
  school->created_at = school->updated_at = ctx->now;
  if (!lc_store_insert_school (store, school, error))
    return FALSE;
  *out_id = g_steal_pointer (&school->id);
  return TRUE;
}

static gboolean
add_lesson (LcStore *store, SeedContext *ctx, const DemoLesson *demo, const char *school_id,
            const char *teacher_id, GError **error)
{
  g_autoptr (LcLesson) lesson = lc_lesson_new ();
  /* Midnight (UTC) of today, then the day and the Moscow wall-clock time. */
  gint64 today = ctx->now - ctx->now % DAY_S;

  lesson->id = lc_id_new ();
  lesson->title = g_strdup (demo->title);
  lesson->description = g_strdup (demo->description);
  lesson->subject = g_strdup (demo->subject);
  lesson->grade = demo->grade;
  lesson->school_id = g_strdup (school_id);
  lesson->teacher_id = g_strdup (teacher_id);
  lesson->starts_at = today + (gint64)demo->day * DAY_S + demo->hour * 3600 + demo->minute * 60
                      - MOSCOW_UTC_OFFSET_S;
  lesson->ends_at = lesson->starts_at + demo->minutes * 60;
  lesson->visibility = demo->unlisted ? LC_VISIBILITY_UNLISTED : LC_VISIBILITY_PUBLIC;
  lesson->recording = TRUE;
  lesson->status = LC_LESSON_SCHEDULED;
  lesson->publish_key = lc_secret_new ("lpk");
  lesson->created_at = lesson->updated_at = ctx->now;
  return lc_store_insert_lesson (store, lesson, error);
}

/* Conferences: the first starts now (its room is open at once), the others
 * at Moscow wall-clock times, booked by the host school's coordinator. */
static gboolean
add_conference (LcStore *store, SeedContext *ctx, const DemoConference *demo,
                const char *const *school_ids, const char *const *coordinator_ids, GError **error)
{
  g_autoptr (LcConference) conference = lc_conference_new ();
  gint64 today = ctx->now - ctx->now % DAY_S;

  conference->id = lc_id_new ();
  conference->title = g_strdup (demo->title);
  conference->description = g_strdup (demo->description);
  conference->agenda = g_strdup (demo->agenda);
  conference->host_school_id = g_strdup (school_ids[demo->host]);
  conference->created_by = g_strdup (coordinator_ids[demo->host]);
  if (demo->day < 0)
    conference->starts_at = ctx->now - ctx->now % 60;
  else
    conference->starts_at = today + (gint64)demo->day * DAY_S + demo->hour * 3600
                            + demo->minute * 60 - MOSCOW_UTC_OFFSET_S;
  conference->ends_at = conference->starts_at + demo->minutes * 60;
  conference->max_participants_per_school = 10;
  conference->waiting_room = FALSE;
  conference->status = demo->cancelled ? LC_CONFERENCE_CANCELLED : LC_CONFERENCE_SCHEDULED;
  conference->sequence = demo->cancelled ? 1 : 0;
  for (gsize i = 0; i < G_N_ELEMENTS (demo->invited); i++)
    {
      LcConferenceInvite *invite;

      if (demo->invited[i] < 0)
        continue;
      invite = lc_conference_invite_new (school_ids[demo->invited[i]], demo->answers[i]);
      if (demo->answers[i] != LC_INVITE_PENDING)
        {
          invite->responded_at = ctx->now;
          invite->responded_by = g_strdup (coordinator_ids[demo->invited[i]]);
        }
      g_ptr_array_add (conference->invites, invite);
    }
  conference->created_at = conference->updated_at = ctx->now;
  return lc_store_insert_conference (store, conference, error);
}

static gboolean
seed_in_transaction (LcStore *store, gpointer user_data, GError **error)
{
  SeedContext *ctx = user_data;
  char *school_ids[G_N_ELEMENTS (demo_schools)] = { NULL };
  char *teacher_ids[G_N_ELEMENTS (demo_schools)] = { NULL };
  char *coordinator_ids[G_N_ELEMENTS (demo_schools)] = { NULL };
  gboolean ok = TRUE;

  for (gsize i = 0; ok && i < G_N_ELEMENTS (demo_schools); i++)
    {
      const DemoSchool *demo = &demo_schools[i];
      g_autofree char *coordinator_login = g_strconcat ("coord.", demo->code, NULL);
      g_autofree char *teacher_login = g_strconcat ("teacher.", demo->code, NULL);

      ok = add_school (store, ctx, demo, &school_ids[i], error)
           && add_account (store, ctx, coordinator_login, demo->coordinator_name,
                           LC_ROLE_COORDINATOR, demo, school_ids[i], TRUE, &coordinator_ids[i],
                           error)
           && add_account (store, ctx, teacher_login, demo->teacher_name, LC_ROLE_TEACHER, demo,
                           school_ids[i], demo->teacher_consents, &teacher_ids[i], error);
    }
  for (gsize i = 0; ok && i < G_N_ELEMENTS (demo_lessons); i++)
    {
      const DemoLesson *demo = &demo_lessons[i];

      ok = add_lesson (store, ctx, demo, school_ids[demo->school], teacher_ids[demo->school],
                       error);
    }
  for (gsize i = 0; ok && i < G_N_ELEMENTS (demo_conferences); i++)
    ok = add_conference (store, ctx, &demo_conferences[i], (const char *const *)school_ids,
                         (const char *const *)coordinator_ids, error);
  if (ok)
    lc_store_audit (store, NULL, "demo.seed", NULL, NULL, NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (demo_schools); i++)
    {
      g_free (school_ids[i]);
      g_free (teacher_ids[i]);
      g_free (coordinator_ids[i]);
    }
  return ok;
}

gboolean
lc_demo_seed (LcStore *store, const LcKdfParams *kdf, gint64 now, GString *out, GError **error)
{
  g_autoptr (GPtrArray) existing = NULL;
  g_autoptr (GString) table = g_string_new (NULL);
  LcSchoolFilter any = { .limit = 1 };
  SeedContext ctx = { .kdf = kdf, .now = now, .table = table };

  g_return_val_if_fail (LC_IS_STORE (store), FALSE);
  g_return_val_if_fail (kdf != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  existing = lc_store_list_schools (store, &any, error);
  if (existing == NULL)
    return FALSE;
  if (existing->len > 0)
    {
      g_debug ("demo: the store already has schools, nothing seeded");
      return TRUE;
    }

  if (!lc_store_transaction (store, seed_in_transaction, &ctx, error))
    {
      g_prefix_error (error, "demo data: ");
      return FALSE;
    }
  g_message ("demo: seeded %u schools, %u accounts, %u lessons and %u conferences",
             (guint)G_N_ELEMENTS (demo_schools), (guint)G_N_ELEMENTS (demo_schools) * 2,
             (guint)G_N_ELEMENTS (demo_lessons), (guint)G_N_ELEMENTS (demo_conferences));

  if (out != NULL)
    {
      g_string_append (out, "Demo accounts (passwords are shown only now):\n");
      append_row (out, "login", "role", "school", "password");
      g_string_append (out, table->str);
    }
  return TRUE;
}

/* ---- the demo broadcast ---- */

#define DEMO_LIVE_TEACHER "teacher.s57"
#define DEMO_LIVE_TITLE "Демонстрационный урок: как устроена трансляция"
#define DEMO_LIVE_DESCRIPTION                                                                                                                                    \
  "Синтетическая трансляция сервера (испытательная таблица с часами и тон), чтобы сразу " \
  "увидеть урок в эфире, его запись и просмотр по WebRTC и HLS."

LcLesson *
lc_demo_live_lesson (LcStore *store, gint64 now, gint64 duration, GError **error)
{
  g_autoptr (LcAccount) teacher = NULL;
  g_autoptr (LcLesson) lesson = NULL;
  g_autoptr (GError) local_error = NULL;
  gboolean is_new;

  g_return_val_if_fail (LC_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  teacher = lc_store_get_account_by_login (store, DEMO_LIVE_TEACHER, &local_error);
  if (teacher == NULL)
    {
      if (g_error_matches (local_error, LC_ERROR, LC_ERROR_NOT_FOUND))
        {
          g_message ("demo: no account %s (the database was not seeded with demo data); no demo "
                     "broadcast",
                     DEMO_LIVE_TEACHER);
          return NULL;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (teacher->school_id == NULL)
    return NULL;

  lesson = lc_store_get_lesson (store, LC_DEMO_LIVE_LESSON_ID, &local_error);
  if (lesson == NULL && !g_error_matches (local_error, LC_ERROR, LC_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  is_new = lesson == NULL;
  if (is_new)
    {
      lesson = lc_lesson_new ();
      lesson->id = g_strdup (LC_DEMO_LIVE_LESSON_ID);
      lesson->title = g_strdup (DEMO_LIVE_TITLE);
      lesson->description = g_strdup (DEMO_LIVE_DESCRIPTION);
      lesson->subject = g_strdup ("Информатика");
      lesson->grade = 0;
      lesson->school_id = g_strdup (teacher->school_id);
      lesson->teacher_id = g_strdup (teacher->id);
      lesson->visibility = LC_VISIBILITY_PUBLIC;
      lesson->recording = FALSE;
      lesson->publish_key = lc_secret_new ("lpk");
      lesson->created_at = now;
    }
  lesson->starts_at = now;
  lesson->ends_at = now + duration;
  lesson->status = LC_LESSON_SCHEDULED;
  lesson->updated_at = now;
  if (is_new ? !lc_store_insert_lesson (store, lesson, error)
             : !lc_store_update_lesson (store, lesson, error))
    return NULL;
  return g_steal_pointer (&lesson);
}
