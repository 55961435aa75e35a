// i18n.js — every visible string of the web UI, in Russian (default) and
// English, plus the language switch (remembered in localStorage) and
// locale-aware date/time formatting. Markup carries only data-i18n keys.

const STORAGE_KEY = 'lessoncast.lang';
export const LANGUAGES = ['ru', 'en'];

const dictionaries = {
  ru: {
    'app.name': 'lessoncast',
    'app.title': 'Открытые уроки — lessoncast',
    'app.tagline': 'Открытые уроки школ города',
    'nav.label': 'Основная навигация',
    'nav.skip': 'Перейти к содержимому',
    'nav.schedule': 'Расписание',
    'nav.staff': 'Кабинет',
    'lang.switch': 'EN',
    'lang.switchLabel': 'EN: переключить на английский язык',
    'footer.text': 'lessoncast — трансляции и записи открытых уроков. Свободное ПО (AGPL-3.0).',

    'schedule.heading': 'Расписание открытых уроков',
    'schedule.intro': 'Смотрите уроки школ города в прямом эфире и в записи.',
    'schedule.timezone': 'Время указано для часового пояса {zone}.',
    'schedule.empty': 'Уроков по выбранным условиям нет.',
    'schedule.loading': 'Загрузка расписания…',
    'schedule.loadMore': 'Показать ещё',
    'schedule.count': 'Показано уроков: {count}',
    'schedule.error': 'Не удалось загрузить расписание: {message}',
    'schedule.retry': 'Повторить',
    'schedule.today': 'Сегодня',
    'schedule.tomorrow': 'Завтра',

    'filters.heading': 'Фильтры',
    'filters.district': 'Район',
    'filters.school': 'Школа',
    'filters.subject': 'Предмет',
    'filters.subjectPlaceholder': 'Например, физика',
    'filters.grade': 'Класс',
    'filters.date': 'Дата',
    'filters.any': 'Все',
    'filters.apply': 'Показать',
    'filters.reset': 'Сбросить',
    'filters.upcomingHint': 'Без даты показываются текущие и предстоящие уроки.',

    'lesson.grade': '{grade} класс',
    'lesson.teacherOf': 'учитель {school}',
    'lesson.watch': 'Смотреть',
    'lesson.watchLabel': 'Смотреть урок «{title}»',
    'lesson.unlisted': 'по ссылке',
    'lesson.timeRange': '{start}–{end}',
    'lesson.teacher': 'Учитель',
    'lesson.school': 'Школа',

    'status.scheduled': 'Запланирован',
    'status.live': 'В эфире',
    'status.ended': 'Завершён',
    'status.cancelled': 'Отменён',

    'auth.login': 'Войти',
    'auth.logout': 'Выйти',
    'auth.dialogTitle': 'Вход для сотрудников',
    'auth.loginField': 'Логин',
    'auth.passwordField': 'Пароль',
    'auth.submit': 'Войти',
    'auth.cancel': 'Отмена',
    'auth.close': 'Закрыть',
    'auth.signingIn': 'Вход…',
    'auth.invalid': 'Неверный логин или пароль.',
    'auth.required': 'Введите логин и пароль.',
    'auth.signedInAs': 'Вы вошли как {name}',
    'auth.loggedOut': 'Вы вышли из системы.',
    'auth.userLabel': 'Пользователь',

    'role.operator': 'оператор',
    'role.coordinator': 'координатор',
    'role.teacher': 'учитель',

    'staff.heading': 'Кабинет',
    'staff.needLogin': 'Войдите, чтобы открыть кабинет.',
    'staff.noAccess': 'В вашей роли нет действий в кабинете.',
    'staff.welcome': '{name}, {role}',
    'staff.school': 'Школа: {school}',

    'create.heading': 'Новый урок',
    'create.intro': 'Урок появится в расписании; ключ для трансляции выдаётся на странице урока.',
    'create.school': 'Школа',
    'create.teacher': 'Учитель',
    'create.chooseSchool': 'Выберите школу',
    'create.chooseTeacher': 'Выберите учителя',
    'create.noTeachers': 'В этой школе нет учителей',
    'create.loadingTeachers': 'Загрузка учителей…',
    'create.title': 'Тема урока',
    'create.subject': 'Предмет',
    'create.grade': 'Класс',
    'create.gradeNone': 'Не указан',
    'create.description': 'Описание',
    'create.startsAt': 'Начало',
    'create.endsAt': 'Окончание',
    'create.visibility': 'Доступ',
    'create.visibilityPublic': 'Открытый — в общем расписании',
    'create.visibilityUnlisted': 'По ссылке — не показывается в расписании',
    'create.recording': 'Записывать урок',
    'create.submit': 'Создать урок',
    'create.submitting': 'Создание…',
    'create.success': 'Урок «{title}» создан.',
    'create.open': 'Открыть страницу урока',
    'create.fixErrors': 'Исправьте отмеченное поле.',
    'create.badDate': 'Укажите дату и время.',

    'schools.heading': 'Школы',
    'schools.name': 'Название',
    'schools.shortName': 'Краткое название',
    'schools.district': 'Район',
    'schools.address': 'Адрес',
    'schools.website': 'Сайт',
    'schools.empty': 'Школ пока нет.',
    'schools.loadMore': 'Показать ещё',
    'schools.error': 'Не удалось загрузить список школ: {message}',

    'error.network': 'Сервер недоступен. Проверьте соединение и повторите.',
    'error.rateLimited': 'Слишком много попыток. Повторите через {seconds} с.',
    'error.unauthorized': 'Нужно войти в систему.',
    'error.forbidden': 'Недостаточно прав для этого действия.',
    'error.csrf': 'Запрос отклонён: откройте страницу заново с адреса сервера.',
    'error.notFound': 'Не найдено.',
    'error.conflict': 'Конфликт: {detail}',
    'error.invalid': 'Недопустимое значение: {detail}',
    'error.weakPassword': 'Слишком простой пароль: {detail}',
    'error.tooLarge': 'Слишком большой запрос.',
    'error.unavailable': 'Сервис временно недоступен. Повторите позже.',
    'error.internal': 'Внутренняя ошибка сервера. Повторите позже.',
    'error.generic': 'Ошибка {status}: {detail}',
  },

  en: {
    'app.name': 'lessoncast',
    'app.title': 'Open lessons — lessoncast',
    'app.tagline': 'Open lessons from the city\u2019s schools',
    'nav.label': 'Main navigation',
    'nav.skip': 'Skip to content',
    'nav.schedule': 'Schedule',
    'nav.staff': 'Staff',
    'lang.switch': 'RU',
    'lang.switchLabel': 'RU: switch to Russian',
    'footer.text': 'lessoncast — live and recorded open lessons. Free software (AGPL-3.0).',

    'schedule.heading': 'Open lesson schedule',
    'schedule.intro': 'Watch lessons from the city\u2019s schools live and on demand.',
    'schedule.timezone': 'Times are shown in the {zone} time zone.',
    'schedule.empty': 'No lessons match these filters.',
    'schedule.loading': 'Loading the schedule…',
    'schedule.loadMore': 'Load more',
    'schedule.count': 'Lessons shown: {count}',
    'schedule.error': 'Could not load the schedule: {message}',
    'schedule.retry': 'Retry',
    'schedule.today': 'Today',
    'schedule.tomorrow': 'Tomorrow',

    'filters.heading': 'Filters',
    'filters.district': 'District',
    'filters.school': 'School',
    'filters.subject': 'Subject',
    'filters.subjectPlaceholder': 'For example, physics',
    'filters.grade': 'Grade',
    'filters.date': 'Date',
    'filters.any': 'All',
    'filters.apply': 'Show',
    'filters.reset': 'Reset',
    'filters.upcomingHint': 'Without a date, current and upcoming lessons are shown.',

    'lesson.grade': 'Grade {grade}',
    'lesson.teacherOf': 'teacher of {school}',
    'lesson.watch': 'Watch',
    'lesson.watchLabel': 'Watch the lesson \u201c{title}\u201d',
    'lesson.unlisted': 'unlisted',
    'lesson.timeRange': '{start}–{end}',
    'lesson.teacher': 'Teacher',
    'lesson.school': 'School',

    'status.scheduled': 'Scheduled',
    'status.live': 'Live',
    'status.ended': 'Ended',
    'status.cancelled': 'Cancelled',

    'auth.login': 'Log in',
    'auth.logout': 'Log out',
    'auth.dialogTitle': 'Staff login',
    'auth.loginField': 'Login',
    'auth.passwordField': 'Password',
    'auth.submit': 'Log in',
    'auth.cancel': 'Cancel',
    'auth.close': 'Close',
    'auth.signingIn': 'Logging in…',
    'auth.invalid': 'Wrong login or password.',
    'auth.required': 'Enter your login and password.',
    'auth.signedInAs': 'Logged in as {name}',
    'auth.loggedOut': 'You have logged out.',
    'auth.userLabel': 'User',

    'role.operator': 'operator',
    'role.coordinator': 'coordinator',
    'role.teacher': 'teacher',

    'staff.heading': 'Staff',
    'staff.needLogin': 'Log in to open the staff area.',
    'staff.noAccess': 'Your role has no actions here.',
    'staff.welcome': '{name}, {role}',
    'staff.school': 'School: {school}',

    'create.heading': 'Create lesson',
    'create.intro': 'The lesson appears in the schedule; the broadcast key is on the lesson\u2019s page.',
    'create.school': 'School',
    'create.teacher': 'Teacher',
    'create.chooseSchool': 'Choose a school',
    'create.chooseTeacher': 'Choose a teacher',
    'create.noTeachers': 'This school has no teachers',
    'create.loadingTeachers': 'Loading teachers…',
    'create.title': 'Title',
    'create.subject': 'Subject',
    'create.grade': 'Grade',
    'create.gradeNone': 'Not set',
    'create.description': 'Description',
    'create.startsAt': 'Starts',
    'create.endsAt': 'Ends',
    'create.visibility': 'Visibility',
    'create.visibilityPublic': 'Public — listed in the schedule',
    'create.visibilityUnlisted': 'Unlisted — reachable by link only',
    'create.recording': 'Record the lesson',
    'create.submit': 'Create lesson',
    'create.submitting': 'Creating…',
    'create.success': 'Lesson \u201c{title}\u201d created.',
    'create.open': 'Open the lesson page',
    'create.fixErrors': 'Please correct the marked field.',
    'create.badDate': 'Enter a date and time.',

    'schools.heading': 'Schools',
    'schools.name': 'Name',
    'schools.shortName': 'Short name',
    'schools.district': 'District',
    'schools.address': 'Address',
    'schools.website': 'Website',
    'schools.empty': 'No schools yet.',
    'schools.loadMore': 'Load more',
    'schools.error': 'Could not load the schools: {message}',

    'error.network': 'The server cannot be reached. Check your connection and try again.',
    'error.rateLimited': 'Too many attempts. Try again in {seconds} s.',
    'error.unauthorized': 'Please log in.',
    'error.forbidden': 'You are not allowed to do this.',
    'error.csrf': 'Request refused: open the page again from the server\u2019s address.',
    'error.notFound': 'Not found.',
    'error.conflict': 'Conflict: {detail}',
    'error.invalid': 'Invalid value: {detail}',
    'error.weakPassword': 'Password too weak: {detail}',
    'error.tooLarge': 'The request is too large.',
    'error.unavailable': 'The service is temporarily unavailable. Try again later.',
    'error.internal': 'Internal server error. Try again later.',
    'error.generic': 'Error {status}: {detail}',
  },
};

function readStoredLang() {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    return LANGUAGES.includes(stored) ? stored : null;
  } catch {
    return null; // storage disabled: fall back to the default
  }
}

let current = readStoredLang() || 'ru';
const listeners = new Set();

export function getLang() {
  return current;
}

/** Translate key, replacing {name} placeholders from params. A missing key
 *  falls back to Russian, then to the key itself (visible, so it gets fixed). */
export function t(key, params = {}) {
  const text = dictionaries[current][key] ?? dictionaries.ru[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole);
}

/** Whether every language has the same keys (used by the e2e test). */
export function missingKeys() {
  const all = new Set(LANGUAGES.flatMap((lang) => Object.keys(dictionaries[lang])));
  const missing = [];
  for (const lang of LANGUAGES)
    for (const key of all)
      if (!(key in dictionaries[lang])) missing.push(`${lang}:${key}`);
  return missing;
}

/** Fill every element carrying data-i18n (text) or data-i18n-<attr>
 *  (placeholder, aria-label, title) below root. */
export function applyTranslations(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const attr of ['placeholder', 'aria-label', 'title']) {
    const dataName = `i18n${attr.split('-').map((p) => p[0].toUpperCase() + p.slice(1)).join('')}`;
    for (const el of root.querySelectorAll(`[data-i18n-${attr}]`))
      el.setAttribute(attr, t(el.dataset[dataName]));
  }
}

export function setLang(lang) {
  if (!LANGUAGES.includes(lang)) return;
  current = lang;
  try {
    window.localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // storage disabled: the choice lasts for this page only
  }
  document.documentElement.lang = lang;
  document.title = t('app.title');
  applyTranslations();
  for (const listener of listeners) listener(lang);
}

export function onLangChange(listener) {
  listeners.add(listener);
}

/** The locale for Intl: the browser's own variant of the UI language when it
 *  has one (en-US vs en-GB date order), else a sensible default. */
export function locale() {
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  const match = preferred.find((tag) => tag && tag.toLowerCase().split('-')[0] === current);
  return match || (current === 'ru' ? 'ru-RU' : 'en-GB');
}

export function formatTime(date) {
  return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit' }).format(date);
}

export function formatDay(date) {
  return new Intl.DateTimeFormat(locale(), {
    weekday: 'long', day: 'numeric', month: 'long', year: 'numeric',
  }).format(date);
}

export function formatDateTime(date) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'full', timeStyle: 'short' }).format(date);
}

export function timeZoneName() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
