// Every string the operator sees, in English and Russian. Nothing else in the UI holds
// user-visible text, so a translation is a change to this one module.

const STRINGS = {
  en: {
    'app.title': 'Handover contact center',
    'login.title': 'Sign in',
    'login.username': 'User name',
    'login.password': 'Password',
    'login.submit': 'Sign in',
    'login.failed': 'Wrong user name or password.',
    'login.unavailable': 'The server cannot be reached. Try again.',
    'login.forgot': 'Forgot password?',
    'signin.throttled': 'Too many attempts. Try again in {seconds} s.',
    'signin.invalid_code': 'The code is wrong or has expired.',
    'signin.session_expired': 'The sign-in took too long. Sign in again.',
    'signin.password_refused': 'The password does not meet the rules below.',
    'signin.passwords_differ': 'The passwords do not match.',
    'signin.back': 'Back to sign-in',
    'newpw.title': 'Set a new password',
    'newpw.intro': 'Your account has a temporary password. Choose your own.',
    'newpw.password': 'New password',
    'newpw.repeat': 'Repeat the new password',
    'newpw.submit': 'Set password',
    'policy.title': 'The password must have:',
    'policy.min_length': 'at least {n} characters',
    'policy.lowercase': 'a lowercase letter',
    'policy.uppercase': 'an uppercase letter',
    'policy.digit': 'a digit',
    'policy.symbol': 'a symbol, such as ! ? - _ #',
    'totp.title': 'Enter the code',
    'totp.intro': 'Open your authenticator app and enter the 6-digit code for Handover.',
    'totp.code': 'Code',
    'totp.submit': 'Confirm',
    'totpsetup.title': 'Set up two-step sign-in',
    'totpsetup.intro': 'Scan the QR code with an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password…), then enter the code it shows.',
    'totpsetup.qr': 'QR code for the authenticator app',
    'totpsetup.key': 'Cannot scan? Enter this key:',
    'totpsetup.done': 'Two-step sign-in is on. Each sign-in will ask for a code.',
    'mfa.open': 'Two-step sign-in',
    'mfa.close': 'Close',
    'forgot.title': 'Reset the password',
    'forgot.intro': 'Enter your user name. If the account has a verified e-mail, a code is sent to it.',
    'forgot.send': 'Send the code',
    'forgot.sent': 'If the account exists, a code was sent to its e-mail. Enter it with a new password.',
    'forgot.code': 'Code from the e-mail',
    'forgot.submit': 'Reset the password',
    'forgot.done': 'The password was changed. Sign in with the new password.',
    'signout': 'Sign out',
    'language': 'Language',
    'tab.waiting': 'Waiting',
    'tab.mine': 'Mine',
    'tab.all': 'All',
    'list.empty': 'No dialogs here.',
    'list.more': 'Show more',
    'list.unread': '{n} unread',
    'list.no_messages': 'No messages yet',
    'list.attachment': 'Attachment',
    'list.late': 'waiting too long',
    'panel.empty': 'Choose a dialog on the left.',
    'panel.back': 'Back to the list',
    'state.bot': 'With the bot',
    'state.waiting': 'Waiting for an operator',
    'state.operator': 'With operators: {operators}',
    'btn.refresh': 'Refresh messages',
    'btn.leave': 'Leave dialog',
    'btn.resolve': 'Mark resolved and return to bot',
    'btn.hide_panel': 'Hide the messages panel',
    'btn.info': 'Lead information',
    'btn.start': 'Start conversation',
    'info.title': 'Lead information',
    'info.close': 'Hide the information panel',
    'info.id': 'ID',
    'info.bot': 'Bot',
    'info.channel': 'Channel',
    'info.messenger': 'Messenger',
    'info.created': 'Created',
    'info.last_activity': 'Last activity',
    'info.language': 'Language',
    'info.operators': 'Operators',
    'info.status': 'Status',
    'info.phone': 'Phone',
    'info.email': 'E-mail',
    'info.tags': 'Tags',
    'info.variables': 'Variables',
    'info.none': '—',
    'lead.title': 'Lead page',
    'lead.back': 'Back to the dialog',
    'lead.name': 'Name',
    'lead.status': 'Status',
    'lead.phone': 'Phone',
    'lead.email': 'E-mail',
    'lead.tags': 'Tags (comma-separated)',
    'lead.variables': 'Variables (one "key = value" per line)',
    'lead.save': 'Save',
    'lead.saved': 'Saved.',
    'lead.bad_variables': 'Line {line} is not "key = value".',
    'lead.messages': 'Messages',
    'messages.loading': 'Loading…',
    'messages.beginning': 'The beginning of the dialog',
    'messages.load_failed': 'Messages could not be loaded.',
    'from.lead': 'Lead',
    'from.bot': 'Bot',
    'from.operator': 'Operator',
    'from.system': 'System',
    'delivery.sent': 'sent',
    'delivery.delivered': 'delivered',
    'delivery.failed': 'not delivered',
    'composer.placeholder': 'Message (Enter: new line, Ctrl+Enter: send)',
    'composer.send': 'Send',
    'composer.attach': 'Attach a file',
    'composer.uploading': 'Uploading {name}…',
    'composer.remove': 'Remove {name}',
    'composer.refused': 'The file "{name}" was refused: {reason}',
    'composer.send_failed': 'The message was not sent: {reason}',
    'attachment.open': 'Open {name} in a new window',
    'sound.on': 'Sound on',
    'sound.off': 'Sound off',
    'sound.blocked': 'Click to enable sound',
    'connection.online': 'Online',
    'connection.offline': 'Offline — reconnecting…',
    'connection.connecting': 'Connecting…',
    'error.generic': 'Something went wrong: {reason}',
    'error.conflict': 'The dialog changed meanwhile: {reason}',
  },
  ru: {
    'app.title': 'Контакт-центр Handover',
    'login.title': 'Вход',
    'login.username': 'Имя пользователя',
    'login.password': 'Пароль',
    'login.submit': 'Войти',
    'login.failed': 'Неверное имя пользователя или пароль.',
    'login.unavailable': 'Сервер недоступен. Попробуйте ещё раз.',
    'login.forgot': 'Забыли пароль?',
    'signin.throttled': 'Слишком много попыток. Повторите через {seconds} с.',
    'signin.invalid_code': 'Код неверный или устарел.',
    'signin.session_expired': 'Вход занял слишком много времени. Войдите снова.',
    'signin.password_refused': 'Пароль не соответствует правилам ниже.',
    'signin.passwords_differ': 'Пароли не совпадают.',
    'signin.back': 'Вернуться ко входу',
    'newpw.title': 'Задайте новый пароль',
    'newpw.intro': 'У вашей учётной записи временный пароль. Придумайте свой.',
    'newpw.password': 'Новый пароль',
    'newpw.repeat': 'Повторите новый пароль',
    'newpw.submit': 'Сохранить пароль',
    'policy.title': 'Пароль должен содержать:',
    'policy.min_length': 'не меньше {n} символов',
    'policy.lowercase': 'строчную букву',
    'policy.uppercase': 'заглавную букву',
    'policy.digit': 'цифру',
    'policy.symbol': 'символ, например ! ? - _ #',
    'totp.title': 'Введите код',
    'totp.intro': 'Откройте приложение-аутентификатор и введите 6-значный код Handover.',
    'totp.code': 'Код',
    'totp.submit': 'Подтвердить',
    'totpsetup.title': 'Настройка двухэтапного входа',
    'totpsetup.intro': 'Отсканируйте QR-код приложением-аутентификатором (Google Authenticator, Microsoft Authenticator, 1Password…) и введите показанный код.',
    'totpsetup.qr': 'QR-код для приложения-аутентификатора',
    'totpsetup.key': 'Не получается отсканировать? Введите ключ:',
    'totpsetup.done': 'Двухэтапный вход включён. При каждом входе будет запрошен код.',
    'mfa.open': 'Двухэтапный вход',
    'mfa.close': 'Закрыть',
    'forgot.title': 'Сброс пароля',
    'forgot.intro': 'Введите имя пользователя. Если у учётной записи подтверждён e-mail, на него придёт код.',
    'forgot.send': 'Отправить код',
    'forgot.sent': 'Если учётная запись существует, код отправлен на её e-mail. Введите его и новый пароль.',
    'forgot.code': 'Код из письма',
    'forgot.submit': 'Сбросить пароль',
    'forgot.done': 'Пароль изменён. Войдите с новым паролем.',
    'signout': 'Выйти',
    'language': 'Язык',
    'tab.waiting': 'Ожидают',
    'tab.mine': 'Мои',
    'tab.all': 'Все',
    'list.empty': 'Здесь нет диалогов.',
    'list.more': 'Показать ещё',
    'list.unread': 'Непрочитанных: {n}',
    'list.no_messages': 'Сообщений пока нет',
    'list.attachment': 'Вложение',
    'list.late': 'ждёт слишком долго',
    'panel.empty': 'Выберите диалог слева.',
    'panel.back': 'К списку',
    'state.bot': 'С ботом',
    'state.waiting': 'Ожидает оператора',
    'state.operator': 'С операторами: {operators}',
    'btn.refresh': 'Обновить сообщения',
    'btn.leave': 'Покинуть диалог',
    'btn.resolve': 'Отметить решённым и вернуть боту',
    'btn.hide_panel': 'Скрыть панель сообщений',
    'btn.info': 'Информация о лиде',
    'btn.start': 'Начать диалог',
    'info.title': 'Информация о лиде',
    'info.close': 'Скрыть информационную панель',
    'info.id': 'ID',
    'info.bot': 'Бот',
    'info.channel': 'Канал',
    'info.messenger': 'Мессенджер',
    'info.created': 'Создан',
    'info.last_activity': 'Последняя активность',
    'info.language': 'Язык',
    'info.operators': 'Операторы',
    'info.status': 'Статус',
    'info.phone': 'Телефон',
    'info.email': 'E-mail',
    'info.tags': 'Теги',
    'info.variables': 'Переменные',
    'info.none': '—',
    'lead.title': 'Страница лида',
    'lead.back': 'Назад к диалогу',
    'lead.name': 'Имя',
    'lead.status': 'Статус',
    'lead.phone': 'Телефон',
    'lead.email': 'E-mail',
    'lead.tags': 'Теги (через запятую)',
    'lead.variables': 'Переменные (по одной «ключ = значение» в строке)',
    'lead.save': 'Сохранить',
    'lead.saved': 'Сохранено.',
    'lead.bad_variables': 'Строка {line} не в виде «ключ = значение».',
    'lead.messages': 'Сообщения',
    'messages.loading': 'Загрузка…',
    'messages.beginning': 'Начало диалога',
    'messages.load_failed': 'Не удалось загрузить сообщения.',
    'from.lead': 'Лид',
    'from.bot': 'Бот',
    'from.operator': 'Оператор',
    'from.system': 'Система',
    'delivery.sent': 'отправлено',
    'delivery.delivered': 'доставлено',
    'delivery.failed': 'не доставлено',
    'composer.placeholder': 'Сообщение (Enter — новая строка, Ctrl+Enter — отправить)',
    'composer.send': 'Отправить',
    'composer.attach': 'Прикрепить файл',
    'composer.uploading': 'Загрузка {name}…',
    'composer.remove': 'Убрать {name}',
    'composer.refused': 'Файл «{name}» не принят: {reason}',
    'composer.send_failed': 'Сообщение не отправлено: {reason}',
    'attachment.open': 'Открыть {name} в новом окне',
    'sound.on': 'Звук включён',
    'sound.off': 'Звук выключен',
    'sound.blocked': 'Нажмите, чтобы включить звук',
    'connection.online': 'В сети',
    'connection.offline': 'Нет связи — переподключение…',
    'connection.connecting': 'Подключение…',
    'error.generic': 'Что-то пошло не так: {reason}',
    'error.conflict': 'Диалог уже изменился: {reason}',
  },
};

export const LANGUAGES = [['en', 'English'], ['ru', 'Русский']];
const STORAGE_KEY = 'handover.language';

function fromBrowser() {
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
  for (const tag of wanted) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (STRINGS[base]) return base;
  }
  return 'en';
}

function stored() {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value && STRINGS[value] ? value : null;
  } catch (_) {
    return null;
  }
}

let current = stored() || fromBrowser();

export function language() {
  return current;
}

export function setLanguage(lang) {
  if (!STRINGS[lang]) return;
  current = lang;
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch (_) {
    // Private mode may refuse storage; the choice then lasts for this page only.
  }
}

export function t(key, params) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

// Times come as ISO 8601 UTC; they are shown in the operator's own time zone (the browser's).
export function formatDateTime(iso) {
  if (!iso) return t('info.none');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function formatShortTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const now = new Date();
  const sameDay = date.toDateString() === now.toDateString();
  const options = sameDay ? { hour: '2-digit', minute: '2-digit' } : { day: 'numeric', month: 'short' };
  return new Intl.DateTimeFormat(current, options).format(date);
}

export function formatMessageTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(current, { dateStyle: 'short', timeStyle: 'short' }).format(date);
}

document.documentElement.lang = current;
