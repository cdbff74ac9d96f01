/** German (Deutsch). Every key of the English catalogue, or it does not compile (`Messages`). */
import type { Messages } from '../messages.js'

function wait(seconds: number): string {
  if (seconds < 60) return `${seconds} ${seconds === 1 ? 'Sekunde' : 'Sekunden'}`
  const minutes = Math.ceil(seconds / 60)
  return `${minutes} ${minutes === 1 ? 'Minute' : 'Minuten'}`
}

const notSupported = 'Nicht unterstützt'
const badForm = 'Die Anwendung hat ihre Anmeldeanfrage in einer Form gesendet, die dieser Dienst nicht annimmt.'

export const de: Messages = {
  errors: {
    invalid_request: {
      title: 'Diese Anfrage kann nicht abgeschlossen werden',
      sentence: 'Der Link oder das Formular, über das Sie hierher gekommen sind, ist unvollständig, veraltet oder ungültig und kann daher nicht fortgesetzt werden.',
    },
    invalid_client: { title: 'Anwendung nicht erkannt', sentence: 'Die Anwendung, die Sie hierher geschickt hat, konnte nicht identifiziert werden.' },
    invalid_grant: { title: 'Anmeldung konnte nicht abgeschlossen werden', sentence: 'Die Anmeldung ist ungültig, abgelaufen oder wurde bereits verwendet. Beginnen Sie erneut in der Anwendung.' },
    unauthorized_client: { title: 'Für diese Anwendung nicht erlaubt', sentence: 'Diese Anwendung darf Sie nicht auf diese Weise anmelden.' },
    unsupported_grant_type: { title: notSupported, sentence: 'Die Anwendung hat eine Art von Zugriff angefordert, die dieser Dienst nicht anbietet.' },
    invalid_scope: { title: 'Zugriffsanfrage nicht erlaubt', sentence: 'Die Anwendung hat einen Zugriff angefordert, den sie nicht anfordern darf.' },
    unsupported_response_type: { title: notSupported, sentence: 'Die Anwendung hat eine Art der Anmeldung angefordert, die dieser Dienst nicht anbietet.' },
    access_denied: { title: 'Zugriff verweigert', sentence: 'Der Zugriff wurde verweigert, daher hat die Anwendung keinen Zugriff auf Ihr Konto erhalten.' },
    server_error: { title: 'Bei uns ist etwas schiefgelaufen', sentence: 'Ein unerwarteter Fehler hat diese Anfrage gestoppt. Bitte versuchen Sie es gleich noch einmal.' },
    temporarily_unavailable: { title: 'Vorübergehend nicht verfügbar', sentence: 'Der Dienst ist kurz nicht verfügbar. Warten Sie einige Sekunden und versuchen Sie es dann erneut.' },
    invalid_token: { title: 'Nicht angemeldet', sentence: 'Die mit dieser Anfrage gesendeten Anmeldedaten sind ungültig oder abgelaufen.' },
    insufficient_scope: { title: 'Nicht genügend Zugriff', sentence: 'Dafür ist mehr Zugriff nötig, als der Anwendung gewährt wurde.' },
    unsupported_token_type: { title: notSupported, sentence: 'Diese Art von Token wird hier nicht unterstützt.' },
    authorization_pending: { title: 'Warten auf Bestätigung', sentence: 'Die Anmeldung wurde noch nicht bestätigt.' },
    slow_down: { title: 'Zu viele Anfragen', sentence: 'Anfragen kommen zu schnell. Warten Sie einen Moment und versuchen Sie es dann erneut.' },
    expired_token: { title: 'Code abgelaufen', sentence: 'Dieser Code ist abgelaufen. Beginnen Sie erneut auf Ihrem Gerät, um einen neuen zu erhalten.' },
    login_required: { title: 'Anmeldung erforderlich', sentence: 'Sie müssen sich anmelden, um fortzufahren.' },
    consent_required: { title: 'Zustimmung erforderlich', sentence: 'Sie müssen der Anwendung den Zugriff erlauben, um fortzufahren.' },
    interaction_required: { title: 'Ihre Mitwirkung ist nötig', sentence: 'Sie müssen sich anmelden oder etwas bestätigen, um fortzufahren.' },
    account_selection_required: { title: 'Konto auswählen', sentence: 'Sie müssen ein Konto auswählen, um fortzufahren.' },
    invalid_target: { title: 'Unbekannter Dienst', sentence: 'Die Anwendung hat Zugriff auf einen Dienst angefordert, den dieser Anbieter nicht kennt.' },
    request_not_supported: { title: notSupported, sentence: badForm },
    request_uri_not_supported: { title: notSupported, sentence: badForm },
  },
  errorPage: {
    details: 'Details:',
    backTo: (app) => `Zurück zu ${app}`,
    goHome: (host) => `Weiter zu ${host}`,
    code: (code) => `Fehlercode: ${code}`,
    support: 'Nennen Sie diesen Code, wenn Sie den Support kontaktieren.',
  },
  login: {
    title: 'Anmelden',
    continueTo: 'um fortzufahren zu',
    email: 'E-Mail',
    password: 'Passwort',
    submit: 'Anmelden',
    badCredentials: 'E-Mail oder Passwort ist falsch.',
    throttled: (seconds) => `Zu viele fehlgeschlagene Anmeldeversuche. Versuchen Sie es in ${wait(seconds)} erneut.`,
    otherWays: 'Andere Anmeldemöglichkeiten',
    continueWith: (name) => `Weiter mit ${name}`,
    or: 'oder',
    noticeCancelled: (name) => `Die Anmeldung mit ${name} wurde abgebrochen.`,
    noticeFailed: (name) => `Die Anmeldung mit ${name} hat nicht funktioniert. Versuchen Sie es erneut oder melden Sie sich anders an.`,
    noticeUnavailable: (name) => `${name} ist gerade nicht erreichbar. Versuchen Sie es später erneut oder melden Sie sich anders an.`,
    accountUnusable: 'Mit diesem Konto ist hier keine Anmeldung möglich. Melden Sie sich anders an oder wenden Sie sich an den Support.',
  },
  consent: {
    title: 'Zugriff erlauben',
    heading: (app) => `${app} möchte auf Ihr Konto zugreifen`,
    signedInAs: 'Angemeldet als',
    codeOnDevice: 'Code auf Ihrem Gerät',
    deviceNotice: (codeShown) =>
      `Erlauben Sie dies nur, wenn Ihr Gerät ${codeShown ? 'diesen Code' : 'den eingegebenen Code'} anzeigt und Sie die Anmeldung darauf selbst begonnen haben.`,
    asking: 'Sie bittet um Folgendes:',
    forApi: 'Für die API',
    itIsAsking: 'bittet sie um Folgendes:',
    deny: 'Ablehnen',
    allow: 'Erlauben',
    forOrganization: 'Für die Organisation',
    notGranted: (scopes) => `Nicht gewährt, weil Ihr Konto diesen Zugriff nicht hat: ${scopes}.`,
    andMore: (count) => `und ${count} weitere`,
    scopes: {
      openid: 'Sie mit Ihrem Konto anmelden',
      profile: 'Ihren Namen und Ihr Basisprofil sehen',
      email: 'Ihre E-Mail-Adresse sehen',
      phone: 'Ihre Telefonnummer sehen',
      address: 'Ihre Postanschrift sehen',
      offline_access: 'Zugriff behalten, während Sie sie nicht verwenden',
    },
  },
  organization: {
    title: 'Organisation auswählen',
    heading: 'Organisation auswählen',
    signedInAs: 'Angemeldet als',
    intro: (app) => `${app} handelt für die Organisation, die Sie auswählen.`,
    legend: 'Organisation',
    submit: 'Weiter',
    notMemberNotice: 'Sie sind kein Mitglied der Organisation, die die Anwendung angefragt hat. Sie können mit einer Ihrer eigenen fortfahren.',
    truncated: (shown) => `Nur Ihre ersten ${shown} Organisationen werden angezeigt.`,
    chooseOne: 'Wählen Sie eine Organisation, um fortzufahren.',
    notMemberOfChoice: 'Sie sind kein Mitglied dieser Organisation. Wählen Sie eine der aufgeführten Organisationen.',
    notMemberTitle: 'Kein Mitglied',
    notMemberHeading: 'Sie sind kein Mitglied',
    notMemberText: (app) => `${app} möchte für eine Organisation handeln, in der Ihr Konto kein Mitglied ist.`,
    noOrganizationText: (app) => `${app} kann nur für eine Organisation verwendet werden, und Ihr Konto ist in keiner Mitglied.`,
    notMemberHelp: 'Bitten Sie eine Administratorin oder einen Administrator der Organisation, Sie hinzuzufügen, und versuchen Sie es dann erneut.',
    backTo: (app) => `Zurück zu ${app}`,
  },
  signOut: {
    title: 'Abmelden',
    question: 'Möchten Sie sich von Latch abmelden?',
    questionAs: ['Möchten Sie sich als ', ' von Latch abmelden?'],
    requestedBy: (app) => `Angefordert von ${app}.`,
    submit: 'Abmelden',
    doneTitle: 'Abgemeldet',
    doneHeading: 'Sie sind abgemeldet',
    doneText: 'Sie wurden von Latch abgemeldet. Sie können dieses Fenster schließen.',
  },
  home: {
    title: 'OpenID-Anbieter',
    heading: 'Latch OpenID-Anbieter',
    intro: 'Dies ist der Anmeldedienst unter',
    forPeople: 'Hier gibt es nichts zu tun: Anwendungen, die diesen Dienst nutzen, leiten Sie bei der Anmeldung hierher.',
    forDevelopers: 'Für Entwickler: Die Metadaten des Anbieters stehen im',
    discovery: 'OpenID-Connect-Discovery-Dokument',
  },  notFound: {
    title: 'Seite nicht gefunden',
    sentence: 'Unter dieser Adresse gibt es keinen Anmeldedienst. Prüfen Sie die Adresse oder kehren Sie zur Anwendung zurück, von der Sie kamen.',
  },

  device: {
    title: 'Gerät verbinden',
    heading: 'Gerät verbinden',
    confirmHint: 'Prüfen Sie, ob dies der Code ist, den Ihr Gerät anzeigt. Fahren Sie nur fort, wenn er übereinstimmt und Sie die Anmeldung auf diesem Gerät selbst begonnen haben.',
    enterHint: 'Geben Sie den Code ein, der auf Ihrem Gerät angezeigt wird.',
    code: 'Code',
    submit: 'Weiter',
    invalidCode: 'Dieser Code ist ungültig oder abgelaufen. Prüfen Sie den Code auf Ihrem Gerät und versuchen Sie es erneut.',
    tooManyAttempts: (seconds) => {
      const minutes = Math.ceil(seconds / 60)
      return `Zu viele Versuche. Versuchen Sie es in ${minutes} ${minutes === 1 ? 'Minute' : 'Minuten'} erneut.`
    },
    expiredTitle: 'Code abgelaufen',
    expiredMessage: 'Dieser Code ist abgelaufen oder wurde bereits verwendet. Beginnen Sie erneut auf Ihrem Gerät, um einen neuen Code zu erhalten.',
    connectedTitle: 'Gerät verbunden',
    connectedText: (app) => `${app} ist jetzt mit Ihrem Konto verbunden.`,
    returnToDevice: 'Sie können zu Ihrem Gerät zurückkehren.',
    deniedTitle: 'Zugriff verweigert',
    deniedText: (app) => `${app} wurde nicht mit Ihrem Konto verbunden.`,
    closePage: 'Sie können diese Seite schließen.',
  },
  continuing: 'Weiterleitung',
  continueButton: 'Weiter',
  footer: { support: 'Hilfe', terms: 'Nutzungsbedingungen', privacy: 'Datenschutz' },
}
