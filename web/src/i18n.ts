// The UI speaks Japanese first and English: from the browser's language,
// switchable, remembered per browser.
export type Lang = 'ja' | 'en';

const strings = {
  ja: {
    title: 'つなぐ', login: 'ログイン', username: 'ユーザー名', password: 'パスワード', logout: 'ログアウト',
    loginFailed: 'ログインできませんでした', state: '状態', available: '受付可', notReady: '離席', offline: 'オフライン',
    onContact: '通話中', reserved: '着信中', acw: '後処理', break: '休憩', lunch: '昼休憩', training: '研修', meeting: '会議',
    recovery: 'リカバリー', missed: '不在着信', other: 'その他',
    queues: 'キュー', waiting: '待ち呼', longest: '最長待ち', sl: 'サービスレベル', answered: '応答', abandoned: '放棄',
    lookup: '発信者番号で検索', lookupPlaceholder: '090-1234-5678', search: '検索', noCustomer: '該当するお客様はいません',
    history: '過去の応対', thanks: 'ありがとう', kb: 'ナレッジ検索', kbPlaceholder: '例: パスワード 忘れた', noResults: '該当する記事はありません', kbShortcut: '「/」キーで検索欄へ',
    solvedWithThis: 'これで解決', solvedNoted: '「これで解決」を記録しました', solvedCount: '解決', reportWrong: '誤り・古い情報を報告',
    reportPrompt: 'どこが違いますか?(編集担当に届きます)', reportNoted: '編集担当に報告しました', close: '閉じる',
    phone: { off: '電話: 未接続', connecting: '電話: 接続中…', connected: '電話: 接続済み', failed: '電話: 接続できません', 'no-mic': '電話: マイクが使えません', unavailable: '電話: このサーバーでは使えません' },
    call: { ringing: '着信', connected: '通話中', wrapup: '後処理' }, unknownCaller: '登録のないお客様',
    hold: '保留', resume: '保留解除', onHold: '保留中', offerCallback: '長くなっています。折り返しのお電話をご提案ください',
    answer: '応答', decline: '拒否', mute: 'ミュート', unmute: 'ミュート解除', hangup: '終話',
    reason: '問い合わせ理由', disposition: '結果', notes: 'メモ', saidThanks: 'お客様から「ありがとう」', wrapDone: '後処理を完了',
    askLeader: 'リーダーに相談', escReason: '相談内容', escReasonPlaceholder: '例: 解約金の免除をご希望', urgency: '緊急度',
    urgencies: { low: '低', normal: '通常', high: '高' }, escNote: 'お客様の様子・補足', escSend: '相談を送る', cancel: 'やめる',
    escPending: '承認待ち', escApproved: '承認', escDeclined: '却下', escFrom: 'リーダー', escAskAgain: 'もう一度相談',
    inbox: 'エスカレーション', inboxEmpty: '承認待ちの相談はありません', waitingFor: '待ち', agentLabel: 'オペレーター',
    customerLabel: 'お客様', decisionNote: 'オペレーターへのメモ', approve: '承認', declineEsc: '却下',
    granted: '承認した例外', grantedEmpty: 'まだありません', callEnded: '通話終了',
    admin: {
      title: '管理', users: 'ユーザー', queues: 'キュー', numbers: '電話番号とメニュー', reasons: '問い合わせ理由・結果', holidays: '祝日',
      username: 'ユーザー名', displayName: '表示名', kana: 'よみ', role: '権限', team: 'チーム', disabled: '無効', enabled: '有効', noTeam: '(なし)',
      newUser: 'ユーザーを追加', password: '初期パスワード', add: '追加', save: '保存', saved: '保存しました', edit: '編集', cancel: 'やめる',
      resetPassword: 'パスワード再設定', newPassword: '新しいパスワード', passwordReset: 'パスワードを再設定しました',
      queueName: '名前', queueNameEn: '英語名', slTarget: 'サービスレベル目標', slPercent: '%', slSeconds: '秒以内', acw: '後処理(秒)',
      holdCallback: '保留が何秒を超えたら折り返しを提案', verification: '本人確認の項目(1行に1つ)', verificationRequired: '後処理の前に本人確認を必須にする',
      trunk: '回線', allowedNets: '接続元ネットワーク(1行に1つ)', number: '電話番号', greeting: 'あいさつ', defaultQueue: '既定のキュー',
      menu: 'メニュー', digit: '番号', label: '案内', queue: 'キュー', addOption: '選択肢を追加', remove: '削除',
      hours: '受付時間', alwaysOpen: '24時間受付', days: { mon: '月', tue: '火', wed: '水', thu: '木', fri: '金', sat: '土', sun: '日' },
      spans: '例: 09:00-12:00, 13:00-18:00(空欄は休み)', closedOnHolidays: '祝日は休み', closedDates: '休業日(例: 2026-12-29/2027-01-03、1行に1つ)',
      reasonName: '問い合わせ理由', dispositionName: '結果', year: '年', audited: '変更はすべて記録されます', back: 'デスクへ戻る',
    },
    live: 'ライブ', events: '最近のできごと', since: '経過', lang: 'English', role: { agent: 'オペレーター', supervisor: 'スーパーバイザー', admin: '管理者' },
  },
  en: {
    title: 'Tsunagu', login: 'Log in', username: 'Username', password: 'Password', logout: 'Log out',
    loginFailed: 'Could not log in', state: 'State', available: 'Available', notReady: 'Not ready', offline: 'Offline',
    onContact: 'On a call', reserved: 'Ringing', acw: 'Wrap-up', break: 'Break', lunch: 'Lunch', training: 'Training', meeting: 'Meeting',
    recovery: 'Recovery', missed: 'Missed offer', other: 'Other',
    queues: 'Queues', waiting: 'Waiting', longest: 'Longest wait', sl: 'Service level', answered: 'Answered', abandoned: 'Abandoned',
    lookup: 'Find by caller ID', lookupPlaceholder: '090-1234-5678', search: 'Search', noCustomer: 'No customer with this number',
    history: 'Past contacts', thanks: 'Thanked us', kb: 'Knowledge search', kbPlaceholder: 'e.g. パスワード 忘れた', noResults: 'No matching article', kbShortcut: 'Press / to search',
    solvedWithThis: 'Solved with this', solvedNoted: 'Recorded: solved with this article', solvedCount: 'solved', reportWrong: 'Report wrong or outdated',
    reportPrompt: 'What is wrong? (goes to the editors)', reportNoted: 'Sent to the editors', close: 'Close',
    phone: { off: 'Phone: off', connecting: 'Phone: connecting…', connected: 'Phone: connected', failed: 'Phone: cannot connect', 'no-mic': 'Phone: no microphone', unavailable: 'Phone: not on this server' },
    call: { ringing: 'Incoming call', connected: 'On a call', wrapup: 'Wrap-up' }, unknownCaller: 'Unknown caller',
    hold: 'Hold', resume: 'Resume', onHold: 'On hold', offerCallback: 'This is long: offer to call the customer back',
    answer: 'Answer', decline: 'Decline', mute: 'Mute', unmute: 'Unmute', hangup: 'Hang up',
    reason: 'Reason', disposition: 'Outcome', notes: 'Notes', saidThanks: 'The customer said thank you', wrapDone: 'Finish wrap-up',
    askLeader: 'Ask the leader', escReason: 'Question', escReasonPlaceholder: 'e.g. waive the cancellation fee', urgency: 'Urgency',
    urgencies: { low: 'Low', normal: 'Normal', high: 'High' }, escNote: 'How the customer sounds, details', escSend: 'Send to the leader', cancel: 'Cancel',
    escPending: 'Waiting for approval', escApproved: 'Approved', escDeclined: 'Declined', escFrom: 'Leader', escAskAgain: 'Ask again',
    inbox: 'Escalations', inboxEmpty: 'No questions waiting', waitingFor: 'waiting', agentLabel: 'Operator',
    customerLabel: 'Customer', decisionNote: 'Note for the operator', approve: 'Approve', declineEsc: 'Decline',
    granted: 'Exceptions granted', grantedEmpty: 'None yet', callEnded: 'call ended',
    admin: {
      title: 'Admin', users: 'Users', queues: 'Queues', numbers: 'Numbers and menus', reasons: 'Reasons and dispositions', holidays: 'Holidays',
      username: 'Username', displayName: 'Display name', kana: 'Reading', role: 'Role', team: 'Team', disabled: 'Disabled', enabled: 'Active', noTeam: '(none)',
      newUser: 'Add a user', password: 'Initial password', add: 'Add', save: 'Save', saved: 'Saved', edit: 'Edit', cancel: 'Cancel',
      resetPassword: 'Reset password', newPassword: 'New password', passwordReset: 'Password reset',
      queueName: 'Name', queueNameEn: 'English name', slTarget: 'Service level target', slPercent: '%', slSeconds: 'seconds', acw: 'Wrap-up (s)',
      holdCallback: 'Suggest a callback after holding (s)', verification: 'Verification items (one per line)', verificationRequired: 'Require verification before wrap-up',
      trunk: 'Trunk', allowedNets: 'Allowed networks (one per line)', number: 'Number', greeting: 'Greeting', defaultQueue: 'Default queue',
      menu: 'Menu', digit: 'Key', label: 'Label', queue: 'Queue', addOption: 'Add an option', remove: 'Remove',
      hours: 'Business hours', alwaysOpen: 'Open 24 hours', days: { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' },
      spans: 'e.g. 09:00-12:00, 13:00-18:00 (empty: closed)', closedOnHolidays: 'Closed on public holidays', closedDates: 'Closed dates (e.g. 2026-12-29/2027-01-03, one per line)',
      reasonName: 'Contact reason', dispositionName: 'Disposition', year: 'Year', audited: 'Every change is recorded', back: 'Back to the desk',
    },
    live: 'Live', events: 'Recent events', since: 'for', lang: '日本語', role: { agent: 'Operator', supervisor: 'Supervisor', admin: 'Admin' },
  },
};

export type Strings = (typeof strings)['ja'];

export function initialLang(): Lang {
  const saved = localStorage.getItem('tsunagu.lang');
  if (saved === 'ja' || saved === 'en') return saved;
  return navigator.language.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

export function tr(lang: Lang): Strings {
  return strings[lang];
}
