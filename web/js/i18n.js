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

    'lesson.studio': 'Студия',
    'lesson.studioLabel': 'Студия трансляции урока «{title}»',
    'create.studio': 'Открыть студию трансляции',
    'time.days': '{days} д {clock}',
    'time.todayAt': 'сегодня в {time}',
    'time.tomorrowAt': 'завтра в {time}',
    'unit.mbps': '{value} Мбит/с',
    'unit.kbps': '{value} кбит/с',
    'protocol.webrtc': 'WebRTC',
    'protocol.hls': 'HLS',
    'hls.waiting': 'ожидание',
    'hls.live': 'идёт',
    'hls.ended': 'завершён',
    'hls.unavailable': 'недоступен (кодек VP8)',
    'hls.failed': 'ошибка',

    'studio.title': 'Студия — lessoncast',
    'studio.pageTitle': 'Студия: {title} — lessoncast',
    'studio.heading': 'Студия трансляции',
    'studio.eyebrow': 'Студия трансляции',
    'studio.loading': 'Загрузка урока…',
    'studio.needLogin': 'Войдите как учитель этого урока, чтобы начать трансляцию.',
    'studio.preview': 'Предпросмотр',
    'studio.noVideo': 'Нет изображения: выберите камеру или экран.',
    'studio.endedNotice': 'Эфир завершён. Запись появится на странице урока.',
    'studio.audioLevel': 'Микрофон',
    'studio.db': '{db} дБ',
    'studio.videoSource': 'Изображение',
    'studio.audioSource': 'Звук',
    'studio.cameraN': 'Камера {n}',
    'studio.micN': 'Микрофон {n}',
    'studio.screen': 'Демонстрация экрана',
    'studio.chooseVideo': 'Выберите источник…',
    'studio.micOff': 'Без микрофона',
    'studio.switchHint': 'Источники можно переключать и во время эфира: трансляция не прервётся.',
    'studio.goLive': 'Начать эфир',
    'studio.stop': 'Завершить эфир',
    'studio.stopTitle': 'Завершить эфир?',
    'studio.stopText': 'Урок закончится, и его нельзя будет продолжить. Запись появится на странице урока.',
    'studio.stopConfirm': 'Завершить',
    'studio.nowLive': 'Вы в эфире.',
    'studio.stopped': 'Эфир завершён.',
    'studio.elapsed': 'В эфире',
    'studio.viewers': 'Зрители',
    'studio.viewersBy': '{protocol}: {count}',
    'studio.bitrate': 'Исходящий поток',
    'studio.codec': 'Кодек',
    'studio.hlsState': 'HLS: {state}',
    'studio.watchLink': 'Страница для зрителей:',
    'studio.phase.idle': 'Не в эфире',
    'studio.phase.connecting': 'Подключение…',
    'studio.phase.live': 'В эфире',
    'studio.phase.unstable': 'связь прерывается',
    'studio.phase.reconnecting': 'Связь потеряна, переподключение…',
    'studio.phase.reconnectingAttempt': 'Связь потеряна, переподключение (попытка {attempt})…',
    'studio.phase.oldSession': 'сервер ещё не отпустил прежнее соединение',
    'studio.phase.stopping': 'Завершение…',
    'studio.phase.ended': 'Эфир завершён',
    'studio.phase.error': 'Эфир прерван',
    'studio.what.camera': 'камере',
    'studio.what.mic': 'микрофону',
    'studio.what.screen': 'экрану',
    'studio.error.denied': 'Нет доступа к {what}: разрешите его в настройках сайта в браузере.',
    'studio.error.notFound': 'Устройство не найдено: подключите его или выберите другое ({what}).',
    'studio.error.busy': 'Устройство занято другой программой или недоступно ({what}).',
    'studio.error.media': 'Не удалось подключиться к {what}: {detail}',
    'studio.error.unsupported': 'Этот браузер не умеет вести трансляцию. Откройте страницу в свежем Chrome, Firefox, Edge или Safari.',
    'studio.error.noLesson': 'В адресе нет урока.',
    'studio.error.notYours': 'Вести трансляцию этого урока может только его учитель, координатор школы или оператор.',
    'studio.error.cancelled': 'Урок отменён: трансляция невозможна.',
    'studio.error.key': 'Ключ трансляции не подошёл: обновите страницу (возможно, ключ заменили).',
    'studio.error.closed': 'Урок уже завершён или отменён: новая трансляция невозможна.',
    'studio.error.busyLesson': 'Урок уже транслируется из другого источника (например, OBS). Остановите его и повторите.',
    'studio.error.offer': 'Сервер не принял параметры видео: {detail}',
    'studio.error.engine': 'Медиасервер сейчас недоступен. Повторите позже.',
    'studio.error.ice': 'Не удалось установить медиасоединение с сервером (ICE). Проверьте сеть или брандмауэр.',
    'studio.error.generic': 'Не удалось начать эфир: {detail}',
    'studio.error.reconnectFailed': 'Не удалось восстановить соединение. Проверьте сеть и нажмите «Начать эфир», пока урок не завершился.',
    'studio.error.stop': 'Сервер ответил на завершение эфира ошибкой {status}.',

    'warning.poor': 'Плохое соединение:',
    'warning.disconnected': 'связь с сервером прерывается.',
    'warning.lowBitrate': 'исходящий поток всего {kbps} кбит/с.',
    'warning.loss': 'теряется {percent} % пакетов.',
    'warning.rtt': 'задержка {ms} мс.',
    'warning.cpu': 'компьютер не успевает кодировать видео — закройте лишние программы.',

    'obs.heading': 'Трансляция из OBS',
    'obs.intro': 'Вместо браузера можно вести эфир из OBS Studio 30+ или другого кодировщика с поддержкой WHIP.',
    'obs.server': 'Сервер (WHIP URL)',
    'obs.key': 'Ключ трансляции (Bearer token)',
    'obs.keySecret': 'Ключ — пароль этого урока: не публикуйте его.',
    'obs.copy': 'Копировать',
    'obs.copied': 'Скопировано.',
    'obs.copyFailed': 'Не удалось скопировать: выделите текст и скопируйте вручную.',
    'obs.show': 'Показать',
    'obs.hide': 'Скрыть',
    'obs.settingsHeading': 'Настройки OBS',
    'obs.step1': 'Настройки → Трансляция: Сервис — WHIP, Сервер — WHIP URL выше, Bearer-токен — ключ выше.',
    'obs.step2': 'Настройки → Вывод (режим «Расширенный») → Потоковое вещание: кодировщик x264 или аппаратный H.264.',
    'obs.step3': 'Профиль baseline или main, настройка zerolatency (без B-кадров).',
    'obs.step4': 'Управление битрейтом CBR, 1500–3000 кбит/с (2500 для 720p), интервал ключевых кадров 1–2 с.',
    'obs.step5': 'Видео 1280×720, 25–30 кадров/с; звук Opus 48 кГц (OBS выбирает его для WHIP сам).',
    'obs.step6': '«Запустить трансляцию» начинает урок, «Остановить трансляцию» завершает его.',
    'obs.oneSource': 'Урок может транслироваться только из одного источника: пока идёт эфир из OBS, кнопка «Начать эфир» здесь не сработает, и наоборот.',

    'watch.title': 'Урок — lessoncast',
    'watch.pageTitle': '{title} — lessoncast',
    'watch.videoLabel': 'Видео урока',
    'watch.loading': 'Загрузка…',
    'watch.when': 'Время',
    'watch.startsAt': 'Начало: {when}',
    'watch.countdown': 'Осталось {time}',
    'watch.startingSoon': 'Урок вот-вот начнётся: трансляция откроется сама.',
    'watch.connecting': 'Подключение к трансляции…',
    'watch.publisherReconnecting': 'Связь с классом прервалась, ждём восстановления…',
    'watch.viewers': 'Зрители: {count}',
    'watch.unmute': 'Включить звук',
    'watch.play': 'Смотреть',
    'watch.fullscreen': 'Во весь экран',
    'watch.modeWhep': 'WebRTC · без задержки',
    'watch.modeHls': 'HLS',
    'watch.modeRecording': 'Запись',
    'watch.switchHls': 'Переключить на HLS',
    'watch.switchWhep': 'Переключить на WebRTC',
    'watch.preparing': 'Запись урока готовится…',
    'watch.preparingProgress': 'Запись урока готовится ({percent} %)',
    'watch.preparingHint': 'Она появится здесь через несколько секунд.',
    'watch.download': 'Скачать запись',
    'watch.downloadPart': 'Скачать запись, часть {n}',
    'watch.endedTitle': 'Урок завершён',
    'watch.recordingFailed': 'Запись урока не удалась.',
    'watch.notRecorded': 'Этот урок не записывался.',
    'watch.noRecording': 'Записи этого урока нет.',
    'watch.cancelledTitle': 'Урок отменён',
    'watch.cancelled': 'Трансляции не будет.',
    'watch.notFoundTitle': 'Урок не найден',
    'watch.notFound': 'Возможно, ссылка устарела. Найдите урок в расписании.',
    'watch.noLesson': 'В адресе нет урока.',
    'watch.errorTitle': 'Не удалось показать трансляцию',
    'watch.errorWhep': 'Соединение WebRTC не установилось ({detail}). Попробуйте HLS.',
    'watch.hlsUnavailableTitle': 'HLS недоступен',
    'watch.hlsUnavailable': 'Эту трансляцию можно смотреть только через WebRTC.',
    'watch.unsupported': 'Этот браузер не умеет воспроизводить трансляцию. Откройте страницу в свежем браузере.',
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

    'lesson.studio': 'Studio',
    'lesson.studioLabel': 'Broadcast studio for the lesson \u201c{title}\u201d',
    'create.studio': 'Open the broadcast studio',
    'time.days': '{days} d {clock}',
    'time.todayAt': 'today at {time}',
    'time.tomorrowAt': 'tomorrow at {time}',
    'unit.mbps': '{value} Mbit/s',
    'unit.kbps': '{value} kbit/s',
    'protocol.webrtc': 'WebRTC',
    'protocol.hls': 'HLS',
    'hls.waiting': 'waiting',
    'hls.live': 'live',
    'hls.ended': 'ended',
    'hls.unavailable': 'unavailable (VP8 codec)',
    'hls.failed': 'failed',

    'studio.title': 'Studio — lessoncast',
    'studio.pageTitle': 'Studio: {title} — lessoncast',
    'studio.heading': 'Broadcast studio',
    'studio.eyebrow': 'Broadcast studio',
    'studio.loading': 'Loading the lesson…',
    'studio.needLogin': 'Log in as this lesson\u2019s teacher to broadcast it.',
    'studio.preview': 'Preview',
    'studio.noVideo': 'No picture: choose a camera or the screen.',
    'studio.endedNotice': 'The broadcast has ended. The recording will appear on the lesson\u2019s page.',
    'studio.audioLevel': 'Microphone',
    'studio.db': '{db} dB',
    'studio.videoSource': 'Picture',
    'studio.audioSource': 'Sound',
    'studio.cameraN': 'Camera {n}',
    'studio.micN': 'Microphone {n}',
    'studio.screen': 'Screen share',
    'studio.chooseVideo': 'Choose a source…',
    'studio.micOff': 'No microphone',
    'studio.switchHint': 'You can switch sources while live: the broadcast goes on.',
    'studio.goLive': 'Go live',
    'studio.stop': 'Stop',
    'studio.stopTitle': 'Stop the broadcast?',
    'studio.stopText': 'The lesson ends and cannot be resumed. The recording will appear on the lesson\u2019s page.',
    'studio.stopConfirm': 'Stop',
    'studio.nowLive': 'You are live.',
    'studio.stopped': 'The broadcast has ended.',
    'studio.elapsed': 'Live for',
    'studio.viewers': 'Viewers',
    'studio.viewersBy': '{protocol}: {count}',
    'studio.bitrate': 'Outgoing bitrate',
    'studio.codec': 'Codec',
    'studio.hlsState': 'HLS: {state}',
    'studio.watchLink': 'Viewers\u2019 page:',
    'studio.phase.idle': 'Not live',
    'studio.phase.connecting': 'Connecting…',
    'studio.phase.live': 'Live',
    'studio.phase.unstable': 'the connection is unstable',
    'studio.phase.reconnecting': 'Connection lost, reconnecting…',
    'studio.phase.reconnectingAttempt': 'Connection lost, reconnecting (attempt {attempt})…',
    'studio.phase.oldSession': 'the server has not let go of the old connection yet',
    'studio.phase.stopping': 'Stopping…',
    'studio.phase.ended': 'The broadcast has ended',
    'studio.phase.error': 'Broadcast interrupted',
    'studio.what.camera': 'the camera',
    'studio.what.mic': 'the microphone',
    'studio.what.screen': 'the screen',
    'studio.error.denied': 'No access to {what}: allow it in the browser\u2019s site settings.',
    'studio.error.notFound': 'Device not found: connect it or choose another one ({what}).',
    'studio.error.busy': 'The device is in use by another program or unavailable ({what}).',
    'studio.error.media': 'Could not open {what}: {detail}',
    'studio.error.unsupported': 'This browser cannot broadcast. Open the page in a recent Chrome, Firefox, Edge or Safari.',
    'studio.error.noLesson': 'The address names no lesson.',
    'studio.error.notYours': 'Only the lesson\u2019s teacher, a coordinator of its school or an operator can broadcast it.',
    'studio.error.cancelled': 'The lesson is cancelled: it cannot be broadcast.',
    'studio.error.key': 'The broadcast key was refused: reload the page (the key may have been replaced).',
    'studio.error.closed': 'The lesson has ended or was cancelled: it cannot be broadcast again.',
    'studio.error.busyLesson': 'The lesson is already being broadcast from another source (OBS, for example). Stop that one and try again.',
    'studio.error.offer': 'The server did not accept the video settings: {detail}',
    'studio.error.engine': 'The media server is unavailable right now. Try again later.',
    'studio.error.ice': 'No media connection to the server could be made (ICE). Check the network or firewall.',
    'studio.error.generic': 'Could not go live: {detail}',
    'studio.error.reconnectFailed': 'The connection could not be restored. Check the network and press \u201cGo live\u201d before the lesson ends.',
    'studio.error.stop': 'The server answered the stop with error {status}.',

    'warning.poor': 'Poor connection:',
    'warning.disconnected': 'the connection to the server keeps dropping.',
    'warning.lowBitrate': 'outgoing video is only {kbps} kbit/s.',
    'warning.loss': '{percent} % of packets are lost.',
    'warning.rtt': 'round-trip delay {ms} ms.',
    'warning.cpu': 'the computer cannot keep up encoding video — close other programs.',

    'obs.heading': 'Broadcast from OBS',
    'obs.intro': 'Instead of the browser you can go live from OBS Studio 30+ or another encoder that speaks WHIP.',
    'obs.server': 'Server (WHIP URL)',
    'obs.key': 'Broadcast key (Bearer token)',
    'obs.keySecret': 'The key is this lesson\u2019s password: do not publish it.',
    'obs.copy': 'Copy',
    'obs.copied': 'Copied.',
    'obs.copyFailed': 'Could not copy: select the text and copy it by hand.',
    'obs.show': 'Show',
    'obs.hide': 'Hide',
    'obs.settingsHeading': 'OBS settings',
    'obs.step1': 'Settings → Stream: Service WHIP, Server the WHIP URL above, Bearer Token the key above.',
    'obs.step2': 'Settings → Output (Output Mode: Advanced) → Streaming: video encoder x264 or a hardware H.264 encoder.',
    'obs.step3': 'Profile baseline or main, tune zerolatency (no B-frames).',
    'obs.step4': 'Rate control CBR, 1,500–3,000 kbit/s (2,500 for 720p), keyframe interval 1–2 s.',
    'obs.step5': 'Video 1280×720 at 25–30 fps; audio Opus at 48 kHz (OBS picks it for WHIP by itself).',
    'obs.step6': '\u201cStart Streaming\u201d starts the lesson, \u201cStop Streaming\u201d ends it.',
    'obs.oneSource': 'A lesson has one source at a time: while OBS is live, \u201cGo live\u201d here is refused, and the other way round.',

    'watch.title': 'Lesson — lessoncast',
    'watch.pageTitle': '{title} — lessoncast',
    'watch.videoLabel': 'Lesson video',
    'watch.loading': 'Loading…',
    'watch.when': 'When',
    'watch.startsAt': 'Starts {when}',
    'watch.countdown': 'In {time}',
    'watch.startingSoon': 'The lesson is about to start: the broadcast opens by itself.',
    'watch.connecting': 'Connecting to the broadcast…',
    'watch.publisherReconnecting': 'The classroom\u2019s connection dropped; waiting for it to come back…',
    'watch.viewers': 'Viewers: {count}',
    'watch.unmute': 'Unmute',
    'watch.play': 'Play',
    'watch.fullscreen': 'Full screen',
    'watch.modeWhep': 'WebRTC · low latency',
    'watch.modeHls': 'HLS',
    'watch.modeRecording': 'Recording',
    'watch.switchHls': 'Switch to HLS',
    'watch.switchWhep': 'Switch to WebRTC',
    'watch.preparing': 'The recording is being prepared…',
    'watch.preparingProgress': 'The recording is being prepared ({percent} %)',
    'watch.preparingHint': 'It will appear here in a few seconds.',
    'watch.download': 'Download the recording',
    'watch.downloadPart': 'Download the recording, part {n}',
    'watch.endedTitle': 'The lesson has ended',
    'watch.recordingFailed': 'The recording of this lesson failed.',
    'watch.notRecorded': 'This lesson was not recorded.',
    'watch.noRecording': 'There is no recording of this lesson.',
    'watch.cancelledTitle': 'The lesson is cancelled',
    'watch.cancelled': 'There will be no broadcast.',
    'watch.notFoundTitle': 'Lesson not found',
    'watch.notFound': 'The link may be out of date. Look for the lesson in the schedule.',
    'watch.noLesson': 'The address names no lesson.',
    'watch.errorTitle': 'The broadcast cannot be shown',
    'watch.errorWhep': 'The WebRTC connection failed ({detail}). Try HLS.',
    'watch.hlsUnavailableTitle': 'HLS unavailable',
    'watch.hlsUnavailable': 'This broadcast can be watched over WebRTC only.',
    'watch.unsupported': 'This browser cannot play the broadcast. Open the page in a recent browser.',
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
