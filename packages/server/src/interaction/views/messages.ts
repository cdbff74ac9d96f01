/**
 * The message catalogue of Latch's pages: every English string a person reads on the sign-in,
 * consent, sign-out, error and home pages, in one place (so wording is reviewed, and translated,
 * here rather than across the handlers). Values are plain text; the views escape them.
 *
 * `ERROR_TEXTS` has a title and a sentence for every OAuth error code (a `Record` over
 * `OAuthErrorCode`, so a new code does not compile without its words): any code can reach the
 * HTML error page, and a person should never be left with only `invalid_request`.
 */
import type { OAuthErrorCode } from '../../errors.js'

/** "N seconds" under a minute, else whole minutes rounded up. */
function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`
  const minutes = Math.ceil(seconds / 60)
  return `${minutes} minute${minutes === 1 ? '' : 's'}`
}

const ERROR_TEXTS_EN: Record<OAuthErrorCode, { title: string; sentence: string }> = {
  invalid_request: {
    title: 'This request cannot be completed',
    sentence: 'The link or form that brought you here is incomplete, out of date or not valid, so it cannot be continued.',
  },
  invalid_client: { title: 'Application not recognised', sentence: 'The application that sent you here could not be identified.' },
  invalid_grant: { title: 'Sign-in could not be completed', sentence: 'The sign-in is invalid, has expired or was already used. Start again from the application.' },
  unauthorized_client: { title: 'Not allowed for this application', sentence: 'This application is not allowed to sign you in this way.' },
  unsupported_grant_type: { title: 'Not supported', sentence: 'The application asked for a kind of access that this service does not offer.' },
  invalid_scope: { title: 'Access request not allowed', sentence: 'The application asked for access that it is not allowed to request.' },
  unsupported_response_type: { title: 'Not supported', sentence: 'The application asked for a kind of sign-in that this service does not offer.' },
  access_denied: { title: 'Access denied', sentence: 'Access was denied, so the application did not get access to your account.' },
  server_error: { title: 'Something went wrong on our side', sentence: 'An unexpected error stopped this request. Please try again in a moment.' },
  temporarily_unavailable: { title: 'Temporarily unavailable', sentence: 'The service is briefly unavailable. Wait a few seconds, then try again.' },
  invalid_token: { title: 'Not signed in', sentence: 'The credentials sent with this request are not valid or have expired.' },
  insufficient_scope: { title: 'Not enough access', sentence: 'This needs more access than the application was given.' },
  unsupported_token_type: { title: 'Not supported', sentence: 'This kind of token is not supported here.' },
  authorization_pending: { title: 'Waiting for approval', sentence: 'The sign-in has not been approved yet.' },
  slow_down: { title: 'Too many requests', sentence: 'Requests are arriving too quickly. Wait a moment, then try again.' },
  expired_token: { title: 'Code expired', sentence: 'This code has expired. Start again on your device to get a new one.' },
  login_required: { title: 'Sign-in required', sentence: 'You need to sign in to continue.' },
  consent_required: { title: 'Permission required', sentence: 'You need to allow the application access to continue.' },
  interaction_required: { title: 'Your action is needed', sentence: 'You need to sign in or confirm something to continue.' },
  account_selection_required: { title: 'Choose an account', sentence: 'You need to choose an account to continue.' },
  invalid_target: { title: 'Unknown service', sentence: 'The application asked for access to a service that this provider does not know.' },
  request_not_supported: { title: 'Not supported', sentence: 'The application sent its sign-in request in a form that this service does not accept.' },
  request_uri_not_supported: { title: 'Not supported', sentence: 'The application sent its sign-in request in a form that this service does not accept.' },
  not_found: { title: 'Not found', sentence: 'What was asked for does not exist.' },
  conflict: { title: 'Conflict', sentence: 'The change was not made: it clashes with what exists.' },
  insufficient_user_authentication: { title: 'Stronger sign-in needed', sentence: 'This needs a sign-in with a second factor. Sign in again with it.' },
}

const en = {
  errors: ERROR_TEXTS_EN,
  errorPage: {
    details: 'Details:',
    backTo: (app: string) => `Back to ${app}`,
    goHome: (host: string) => `Go to ${host}`,
    /** Kept as `Error code: <code>` in plain text: support (and the outage test) read it there. */
    code: (code: string) => `Error code: ${code}`,
    support: 'Mention this code if you contact support.',
  },
  login: {
    title: 'Sign in',
    continueTo: 'to continue to',
    email: 'Email',
    password: 'Password',
    submit: 'Sign in',
    badCredentials: 'Incorrect email or password.',
    throttled: (seconds: number) => `Too many failed sign-in attempts. Try again in ${waitText(seconds)}.`,
    /** Issue 12: the list of connection buttons (its accessible name) and each button. */
    otherWays: 'Other ways to sign in',
    continueWith: (name: string) => `Continue with ${name}`,
    /** Between the buttons and the password form. */
    or: 'or',
    /** Issue 12: why the sign-in page is shown again after a connection. */
    noticeCancelled: (name: string) => `Signing in with ${name} was cancelled.`,
    noticeFailed: (name: string) => `Signing in with ${name} did not work. Try again, or sign in another way.`,
    noticeUnavailable: (name: string) => `${name} cannot be reached right now. Try again later, or sign in another way.`,
    /** The same whether JIT is off or an unverified local account has the email: no account enumeration. */
    accountUnusable: 'This account cannot be used to sign in here. Sign in another way, or contact support.',
  },
  consent: {
    title: 'Allow access',
    heading: (app: string) => `${app} wants access to your account`,
    signedInAs: 'Signed in as',
    codeOnDevice: 'Code on your device',
    /** RFC 8628 §5.4: the user checks the code against the device before allowing. */
    deviceNotice: (codeShown: boolean) =>
      `Only allow this if your device shows ${codeShown ? 'this code' : 'the code you entered'} and you started signing in on it yourself.`,
    asking: 'It is asking to:',
    /** Before the API's name (RFC 8707: the user authorizes access to one resource). */
    forApi: 'For the API',
    itIsAsking: 'it is asking to:',
    deny: 'Deny',
    allow: 'Allow',
    /** Issue 10: the organization the app will act for. */
    forOrganization: 'For the organization',
    /** Issue 10: the closing line naming template scopes asked and not granted (RFC 6749 §3.3). */
    notGranted: (scopes: string) => `Not granted, because your account does not have this access: ${scopes}.`,
    andMore: (count: number) => `and ${count} more`,
    /** Issue 14: above the scopes when the app asks for admin access (the admin API's scopes, their texts below). */
    adminNotice: 'This gives the app administrator access: what it does with it is done in your name and recorded in the audit log.',
    adminScopes: { read: 'Read this service’s administrative data (apps, users, keys, audit log)', write: 'Change this service’s administrative data (apps, users, keys)', all: 'Read and change this service’s administrative data' },
    /** What the standard OIDC scopes let an app do (configured scopes bring their own text). */
    scopes: {
      openid: 'Sign you in with your account',
      profile: 'See your name and basic profile',
      email: 'See your email address',
      phone: 'See your phone number',
      address: 'See your postal address',
      offline_access: 'Keep access while you are not using it',
    },
  },
  /** Issue 10: the organization step after sign-in (picker and not-a-member page). */
  organization: {
    title: 'Choose an organization',
    heading: 'Choose an organization',
    signedInAs: 'Signed in as',
    /** Before the app's name: which organization it will act for. */
    intro: (app: string) => `${app} will act for the organization you choose.`,
    legend: 'Organization',
    submit: 'Continue',
    /** Never names the organization asked for: the page must not tell whether it exists. */
    notMemberNotice: 'You are not a member of the organization the application asked for. You can continue with one of yours.',
    truncated: (shown: number) => `Only your first ${shown} organizations are listed.`,
    chooseOne: 'Choose an organization to continue.',
    notMemberOfChoice: 'You are not a member of that organization. Choose one of the organizations listed.',
    notMemberTitle: 'Not a member',
    notMemberHeading: 'You are not a member',
    notMemberText: (app: string) => `${app} asked to act for an organization that your account is not a member of.`,
    noOrganizationText: (app: string) => `${app} can only be used for an organization, and your account is not a member of any.`,
    notMemberHelp: 'Ask an administrator of the organization to add you, then try again.',
    backTo: (app: string) => `Back to ${app}`,
  },
  signOut: {
    title: 'Sign out',
    question: 'Do you want to sign out of Latch?',
    /** The question with the signed-in account in between (word order differs: Japanese puts it first); each part is escaped. */
    questionAs: ['Do you want to sign out of Latch as ', '?'] as readonly [string, string],
    requestedBy: (app: string) => `Requested by ${app}.`,
    submit: 'Sign out',
    doneTitle: 'Signed out',
    doneHeading: 'You are signed out',
    doneText: 'You have been signed out of Latch. You can close this window.',
  },
  home: {
    title: 'OpenID Provider',
    heading: 'Latch OpenID Provider',
    intro: 'This is the sign-in service at',
    forPeople: 'There is nothing to do here: applications that use this service send you to it when you sign in.',
    forDevelopers: 'For developers: the provider metadata is in the',
    discovery: 'OpenID Connect discovery document',
  },  /** Issue 11: a request whose host and path are no tenant's. */
  notFound: {
    title: 'Page not found',
    sentence: 'There is no sign-in service at this address. Check the address, or go back to the application you came from.',
  },

  /** The device verification pages (RFC 8628 §3.3). */
  device: {
    title: 'Connect a device',
    heading: 'Connect a device',
    /** RFC 8628 §5.4: the user compares the prefilled code with the device. */
    confirmHint: 'Check that this code is the one your device shows. Continue only if it matches and you started signing in on that device yourself.',
    enterHint: 'Enter the code shown on your device.',
    code: 'Code',
    submit: 'Continue',
    invalidCode: 'That code is not valid or has expired. Check the code on your device and try again.',
    tooManyAttempts: (seconds: number) => {
      const minutes = Math.ceil(seconds / 60)
      return `Too many attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`
    },
    expiredTitle: 'Code expired',
    expiredMessage: 'This code has expired or was already used. Start again on your device to get a new code.',
    connectedTitle: 'Device connected',
    connectedText: (app: string) => `${app} is now connected to your account.`,
    returnToDevice: 'You can return to your device.',
    deniedTitle: 'Access denied',
    deniedText: (app: string) => `${app} was not connected to your account.`,
    closePage: 'You can close this page.',
  },
  /** The form_post response page (OAuth 2.0 Form Post Response Mode) while it submits itself. */
  continuing: 'Continuing',
  /** Its button, shown only without JavaScript. */
  continueButton: 'Continue',
  /** Issue 11: the footer's links, each shown when the branding sets its URL. */
  footer: { support: 'Support', terms: 'Terms of use', privacy: 'Privacy policy' },
  /** Issue 12: enterprise SSO (home-realm discovery, required organization sign-in). */
  homeRealm: {
    /** The identify page's button (its label is `login.email`). */
    continue: 'Continue',
    invalidEmail: 'Enter your email address.',
    redirectTitle: 'Continuing to your organization',
    redirectText: (organization: string) => `${organization} signs you in with its own sign-in service. You are being taken there.`,
    redirectLink: (connection: string) => `Continue to ${connection}`,
    connectionRequired: 'Your organization requires you to sign in through its own sign-in service.',
  },
  /** Issue 12: the account page (linked accounts). */
  account: {
    title: 'Your account',
    signedInAs: 'Signed in as',
    linkedHeading: 'Linked accounts',
    none: 'No account of another service is linked.',
    linkedOn: (date: string) => `linked on ${date}`,
    unlink: (connection: string) => `Unlink ${connection}`,
    linkHeading: 'Link another account',
    link: (connection: string) => `Link ${connection}`,
    unlinked: 'The account was unlinked.',
    lastMethod: 'This is your only way to sign in, so it cannot be unlinked.',
    notLinked: 'That account is not linked.',
    linked: 'The account was linked.',
    taken: 'That account is already linked to another user, so it was not linked.',
    linkFailed: 'Linking did not work. Try again later.',
    reauthNeeded: 'For your security, linking needs a recent sign-in. Sign out, sign in again, then come back to this page within 10 minutes.',
    notSignedInTitle: 'You are not signed in',
    notSignedInText: 'Sign in to see and manage your account.',
    /** Issue 13: the account page's own sign-in and sign-out. */
    signIn: 'Sign in',
    signOut: 'Sign out',
    /** Issue 13, "Profile". */
    profileHeading: 'Profile',
    email: 'Email',
    name: 'Name',
    givenName: 'Given name',
    familyName: 'Family name',
    saveProfile: 'Save profile',
    profileSaved: 'Your profile was saved.',
    nameInvalid: 'Each name can have at most 100 characters and no line breaks.',
    /** Issue 13, "Change password". */
    passwordHeading: 'Change password',
    currentPassword: 'Current password',
    newPassword: 'New password',
    newPasswordHint: (min: number) => `At least ${min} characters. A long phrase you can remember is best.`,
    changePassword: 'Change password',
    passwordChanged: 'Your password was changed, and you were signed out everywhere else.',
    wrongPassword: 'Your current password is not correct.',
    newPasswordTooShort: (min: number) => `The new password must have at least ${min} characters.`,
    newPasswordLikeEmail: 'The new password cannot be your email address or its first part.',
    newPasswordTooLong: 'The new password can have at most 128 characters.',
    newPasswordRefused: 'This password is too common or was found in a data breach. Choose another one.',
    passwordRace: 'Your password changed while this was sent, so nothing was changed. Try again.',
    noPassword: 'You sign in here without a password, so there is none to change.',
    /** Issue 13, "Active sessions". */
    sessionsHeading: 'Active sessions',
    thisDevice: 'This device',
    unknownDevice: 'Unknown device',
    device: (browser: string, system: string) => `${browser} on ${system}`,
    signedInOn: (date: string) => `signed in on ${date}`,
    signedInWith: 'With',
    methods: { pwd: 'password', otp: 'one-time code', hwk: 'passkey', swk: 'passkey', email: 'email', mfa: 'two-step verification', other: 'another service' },
    signOutSession: (device: string) => `Sign out ${device}`,
    sessionEnded: 'That session was signed out.',
    sessionNotFound: 'That session had already ended.',
    /** Issue 13, "Apps you authorized". */
    appsHeading: 'Apps you authorized',
    noApps: 'You have not authorized any app.',
    authorizedOn: (date: string) => `authorized on ${date}`,
    appCan: 'It can:',
    revoke: (app: string) => `Revoke ${app}`,
    appRevoked: 'Access was revoked. The app has to ask you again.',
    appNotFound: 'That app had no access to revoke.',
  },
  /** Issue 13: sign-up (`/interaction/:id/signup`) and the password policy's words (also on the reset page). */
  signUp: {
    /** The sign-in page's link, after `prompt`. */
    prompt: 'New here?',
    link: 'Create account',
    title: 'Create account',
    continueTo: 'to continue to',
    email: 'Email',
    password: 'Password',
    passwordHint: (min: number) => `At least ${min} characters. A few unrelated words make a strong password; avoid common ones.`,
    submit: 'Create account',
    haveAccount: 'Already have an account?',
    signIn: 'Sign in',
    invalidEmail: 'Enter a valid email address.',
    tooShort: (min: number) => `Choose a password of at least ${min} characters.`,
    tooLong: 'Choose a password of at most 128 characters.',
    breached: 'This password is one of the most commonly used, so it is easy to guess. Choose another one.',
    likeEmail: 'Do not use your email address as your password. Choose another one.',
    throttled: (seconds: number) => `Too many requests. Try again in ${waitText(seconds)}.`,
    busy: 'New accounts cannot be created right now. Try again later.',
  },
  /** Issue 13: confirming a new account's email (the check-your-email page, `/verify-email`, the code form). */
  verifyEmail: {
    checkTitle: 'Check your email',
    checkLink: (email: string) => `We sent a message to ${email}. Open the link in it to confirm your address.`,
    checkCode: (email: string) => `We sent a message to ${email}. Enter the 6-digit code from it to confirm your address.`,
    code: 'Code',
    submitCode: 'Confirm',
    wrongCode: 'That code is not right, or it has expired. Check the latest message, or send a new one.',
    resendHint: 'Nothing arrived? Check your spam folder, or send the message again.',
    resend: 'Send again',
    resent: 'If the address still needs confirming, a new message is on its way.',
    requiredTitle: 'Confirm your email first',
    requiredText: 'Your account can be used once you confirm your email address. Open the link in the message we sent you, or send it again.',
    confirmTitle: 'Confirm your email address',
    confirmText: (email: string) => `Confirm that ${email} is your email address.`,
    confirm: 'Confirm email address',
    doneTitle: 'Email address confirmed',
    doneText: 'Your email address is confirmed. Go back to the application and sign in.',
    expiredTitle: 'Link expired',
    expiredText: 'This link has expired or was already used. Sign in to have a new one sent.',
  },
  /** Issue 13: forgotten password (`/interaction/:id/forgot`, `/reset-password`). */
  reset: {
    /** The sign-in page's link. */
    link: 'Forgot password?',
    title: 'Reset your password',
    intro: 'Enter the email address of your account. We will send you a link to choose a new password.',
    email: 'Email',
    submit: 'Send reset link',
    sentTitle: 'Check your email',
    sentText: (email: string, minutes: number) => `If ${email} has an account, we sent it a link to choose a new password. The link works once, within ${minutes} minutes.`,
    backToSignIn: 'Back to sign in',
    newTitle: 'Choose a new password',
    newPassword: 'New password',
    submitNew: 'Save password',
    doneTitle: 'Password changed',
    doneText: 'Your password was changed and you were signed out everywhere. Go back to the application and sign in with your new password.',
    doneNotice: 'Your password was changed. Sign in with your new password.',
    expiredTitle: 'Link expired',
    expiredText: 'This link has expired or was already used. Ask for a new one with "Forgot password?" on the sign-in page.',
  },
  /** Issue 13: the messages Latch mails (mail/message.ts); `Latch` is the product's name. */
  mail: {
    verifySubject: 'Confirm your email address for Latch',
    verifyLinkIntro: 'To finish creating your Latch account, confirm that this email address is yours.',
    verifyButton: 'Confirm email address',
    verifyCodeSubject: 'Your Latch verification code',
    verifyCodeIntro: 'To finish creating your Latch account, enter this code on the page where you signed up.',
    code: 'Code',
    resetSubject: 'Reset your Latch password',
    resetIntro: 'Someone asked to reset the password of your Latch account. To choose a new password, open this link.',
    resetButton: 'Choose a new password',
    existsSubject: 'Someone tried to sign up for Latch with your email address',
    existsIntro: 'Someone tried to sign up for Latch with your email address, which already has an account. If it was you, sign in with your password, or use "Forgot password?" on the sign-in page.',
    expires: (minutes: number) => `It works once, within ${minutes} minutes.`,
    notYou: 'If you did not ask for this, you can ignore this email: nothing changes.',
    linkFallback: 'If the button does not work, copy this address into your browser:',
    /** Security review M4: the second factor locked after too many wrong codes in a row. */
    lockedSubject: 'Two-step verification on your Latch account is locked',
    lockedIntro: 'Someone entered too many wrong codes in a row for your Latch account, so two-step verification is locked. Whoever tried knew your password.',
    lockedWayBack: 'To sign in again, reset your password with "Forgot password?" on the sign-in page: that unlocks it and stops anyone using the old password. Or ask your administrator to reset your two-step verification.',
  },
  /** Issue 13 (lane C): passkeys: the sign-in button and `/account/passkeys`. */
  passkeys: {
    signIn: 'Sign in with a passkey',
    /** One message for every refusal: it never says whether an account or a passkey exists. */
    signInFailed: 'That passkey could not be used to sign in here. Try again, or sign in another way.',
    cancelled: 'The passkey request was cancelled or timed out.',
    title: 'Passkeys',
    intro: 'A passkey signs you in with your device’s screen lock (fingerprint, face or PIN) instead of a password.',
    none: 'You have no passkeys yet.',
    created: (date: string) => `added ${date}`,
    lastUsed: (date: string) => `last used ${date}`,
    neverUsed: 'not used yet',
    nameLabel: 'Name (optional)',
    renameLabel: (name: string) => `New name for ${name}`,
    rename: 'Rename',
    remove: (name: string) => `Delete ${name}`,
    add: 'Add a passkey',
    defaultName: 'Passkey',
    needsJavaScript: 'Adding a passkey needs JavaScript, which is off in this browser.',
    unsupported: 'This browser cannot create passkeys.',
    registered: 'The passkey was added.',
    renamed: 'The passkey was renamed.',
    removed: 'The passkey was deleted.',
    registerFailed: 'The passkey could not be added. Try again.',
    tooMany: 'You have as many passkeys as you can have. Delete one to add another.',
    notFound: 'That passkey does not exist any more.',
    invalidName: 'Enter a name.',
    confirmTitle: 'Confirm it’s you',
    confirmText: 'For your security, enter your password again to manage your passkeys.',
    password: 'Password',
    confirm: 'Continue',
    wrongPassword: 'That password is not right.',
    signInAgain: 'For your security, managing passkeys needs a recent sign-in. Sign out, sign in again, then come back to this page within 5 minutes.',
    off: 'Passkeys are turned off here.',
    manage: 'Passkeys',
    backToAccount: 'Back to your account',
    /** Issue 13 (lane P): a passkey as the second factor, and the offer right after sign-up. */
    useForSecondFactor: 'Use a passkey',
    secondFactorIntro: 'Use one of your passkeys to continue.',
    secondFactorFailed: 'That passkey could not be used. Try again, or verify another way.',
    secondFactorNeedsJavaScript: 'Using a passkey needs JavaScript, which is off in this browser.',
    secondFactorUnsupported: 'This browser cannot use passkeys.',
    offerTitle: 'Add a passkey for faster sign-in?',
    offerText: 'Next time, sign in with your device’s screen lock (fingerprint, face or PIN) instead of your password.',
    notNow: 'Not now',
  },
  /** Issue 13: the second-factor step of a sign-in, TOTP enrolment and the account's MFA page (`/account/mfa`). */
  mfa: {
    title: 'Two-step verification',
    intro: 'Enter the 6-digit code from your authenticator app.',
    code: 'Code',
    verify: 'Verify',
    useRecovery: 'Use a recovery code',
    recoveryIntro: 'Enter one of the recovery codes you saved when you set up two-step verification. Each code works once.',
    recoveryCode: 'Recovery code',
    useApp: 'Use your authenticator app instead',
    remember: 'Remember this device',
    wrongCode: 'That code is not valid. Enter the code your app shows now.',
    wrongRecovery: 'That recovery code is not valid or was already used.',
    throttled: 'Too many wrong codes. Wait a few minutes, then try again.',
    /** Security review M4: too many wrong answers in a row (NIST SP 800-63B §5.2.2). */
    locked: 'Too many wrong codes in a row: two-step verification is locked. Reset your password with "Forgot password?" to unlock it, or contact your administrator.',
    enrolTitle: 'Set up two-step verification',
    enrolIntro: 'Your account needs a second step when you sign in.',
    enrolHow: 'Scan this QR code with an authenticator app, then enter the 6-digit code it shows.',
    qrLabel: 'QR code for your authenticator app',
    manualKey: 'Cannot scan? Enter this key in the app:',
    confirm: 'Confirm',
    recoveryTitle: 'Save your recovery codes',
    recoveryText: 'If you lose your phone, each of these codes lets you sign in once. Save them somewhere safe now: they will not be shown again.',
    continue: 'Continue',
    statusOn: 'Two-step verification is on.',
    statusOff: 'Two-step verification is off.',
    codesLeft: (count: number) => `Recovery codes left: ${count}`,
    setUp: 'Set up two-step verification',
    regenerate: 'Get new recovery codes',
    turnOff: 'Turn off two-step verification',
    currentPassword: 'Current password',
    requiredByPolicy: 'Two-step verification is required for your account, so it cannot be turned off.',
    turnedOff: 'Two-step verification was turned off.',
    turnedOn: 'Two-step verification is now on.',
    back: 'Back to your account',
  },
  /** Issue 13: passwordless sign-in by email (a link or a code) and the account page's email change. */
  passwordless: {
    sendLink: 'Email me a sign-in link',
    sendCode: 'Email me a code',
    checkTitle: 'Check your email',
    linkSent: (email: string) => `If ${email} has an account here, a sign-in link is on its way to it. Open the link in this browser to continue.`,
    codeSent: (email: string) => `If ${email} has an account here, a 6-digit code is on its way to it. Enter it below.`,
    expires: (minutes: number) => `It works once, within ${minutes} minutes.`,
    code: 'Code from the email',
    submitCode: 'Sign in',
    wrongCode: 'That code is not right, or it has expired or was tried too many times. Check the latest email, or ask for a new code.',
    otherWay: 'Use another way to sign in',
    sendAgain: 'Send again',
    confirmTitle: 'Continue signing in on this device?',
    confirmText: 'This sign-in link was asked for in another browser or on another device. Continue only if you asked for it yourself.',
    requestedAt: 'Asked for at',
    requestedWith: (browser: string, system: string) => `from ${browser} on ${system}`,
    signingInAs: 'Signing in as',
    confirmButton: 'Continue signing in here',
    otherBrowserTitle: 'Open the link in the browser that asked',
    otherBrowserText: 'This sign-in link works only in the browser where it was asked for. Open it there, or ask for a new one here.',
    linkInvalidTitle: 'This link cannot be used',
    linkInvalidText: 'It has expired or was already used. Go back to the application and ask for a new one.',
    mailLinkSubject: 'Your Latch sign-in link',
    mailLinkIntro: 'Someone asked to sign in to your Latch account with this email address. To sign in, open this link in the browser where you asked for it.',
    mailLinkButton: 'Sign in',
    mailCodeSubject: 'Your Latch sign-in code',
    mailCodeIntro: 'Someone asked to sign in to your Latch account with this email address. To sign in, enter this code on the page where you asked for it.',
    changeLink: 'Change email address',
    changeTitle: 'Change email address',
    currentEmail: 'Current email address',
    newEmail: 'New email address',
    currentPassword: 'Current password',
    changeSubmit: 'Send a confirmation link',
    changeIntro: 'A confirmation link goes to the new address; your email address changes only when it is opened.',
    changeSent: (email: string) => `A confirmation link is on its way to ${email}. Your email address changes when you open it.`,
    changeSame: 'That is already your email address.',
    changeBadPassword: 'The password is not right.',
    changeThrottled: 'Too many attempts. Try again later.',
    changeReauth: 'For your security, changing your email address needs a recent sign-in. Sign out, sign in again, then come back to this page within 10 minutes.',
    changeConfirmTitle: 'Confirm your new email address',
    changeConfirmText: (email: string) => `Make ${email} the email address of your account?`,
    changeConfirmButton: 'Confirm new email address',
    changedTitle: 'Email address changed',
    changedText: (email: string) => `Your account's email address is now ${email}.`,
    changeTakenText: 'That email address is already used by another account, so nothing was changed.',
    changeInvalidText: 'This confirmation link has expired or was already used. Ask for a new one on your account page.',
    backToAccount: 'Back to your account',
    mailChangeSubject: 'Confirm your new email address for Latch',
    mailChangeIntro: 'Someone asked to make this the email address of their Latch account. If it was you, confirm it with this link.',
    mailChangeButton: 'Confirm new email address',
    mailTakenSubject: 'Your email address already has an account at Latch',
    mailTakenIntro: 'Someone asked to make this the email address of another account at Latch, but it already belongs to an account, so nothing was changed.',
    mailChangedSubject: 'The email address of your Latch account was changed',
    mailChangedIntro: (email: string) => `The email address of your Latch account was changed to ${email}. If you did not do this, contact support at once.`,
  },
  /** Issue 13 (review H1, M3): the account pages' step-up (a session of two factors to change sign-in methods) and proven-mailbox texts. */
  accountStrength: {
    stepUpTitle: 'Confirm it’s you',
    stepUpText: 'For your security, sign in again with your second factor before you change how you sign in.',
    stepUpButton: 'Sign in again',
    confirmWithCode: 'To confirm, enter a code from your authenticator app or one of your recovery codes.',
    codeNotRight: 'That code is not right.',
    verifyEmailFirst: 'Your email address is not confirmed yet, so you cannot add a passkey or two-step verification. To confirm it, sign out and use “Forgot password?” on the sign-in page.',
  },
}

/**
 * What a catalogue is: the English one's shape, with every text a `string` and every
 * parameterised text a function of the same parameters. Another language that leaves a key out,
 * or adds one, does not compile.
 */
export type Messages = typeof en

/** English: the default, and the words docs/architecture.md names as page contracts. */
export const MESSAGES: Messages = en
export const ERROR_TEXTS = en.errors

/**
 * The product's name as every shipped catalogue writes it (the sign-out question, the home page):
 * a branding's `product_name` takes its place (issue 11), so no catalogue names Latch otherwise.
 */
export const PRODUCT = 'Latch'

/**
 * Issue 11: the placeholders an override of a parameterised text writes (`{app}`), standing for
 * the function's parameters in order; `signOut.questionAs` (two parts around the account) is
 * written as one text around `{email}`. Any text may also write `{product}`. A yes/no parameter
 * (`consent.deviceNotice`) has no placeholder: an override is one text for both cases.
 */
export const PLACEHOLDERS: Readonly<Record<string, readonly string[]>> = {
  'errorPage.backTo': ['app'],
  'errorPage.goHome': ['host'],
  'errorPage.code': ['code'],
  'login.throttled': ['seconds'],
  'login.continueWith': ['name'],
  'login.noticeCancelled': ['name'],
  'login.noticeFailed': ['name'],
  'login.noticeUnavailable': ['name'],
  'consent.heading': ['app'],
  'consent.deviceNotice': [],
  'consent.notGranted': ['scopes'],
  'consent.andMore': ['count'],
  'organization.intro': ['app'],
  'organization.truncated': ['count'],
  'organization.notMemberText': ['app'],
  'organization.noOrganizationText': ['app'],
  'organization.backTo': ['app'],
  'signOut.questionAs': ['email'],
  'signOut.requestedBy': ['app'],
  'device.tooManyAttempts': ['seconds'],
  'device.connectedText': ['app'],
  'device.deniedText': ['app'],
  'homeRealm.redirectText': ['organization'],
  'homeRealm.redirectLink': ['connection'],
  'account.linkedOn': ['date'],
  'account.unlink': ['connection'],
  'account.link': ['connection'],
  'account.device': ['browser', 'system'],
  'account.signedInOn': ['date'],
  'account.signOutSession': ['device'],
  'account.authorizedOn': ['date'],
  'account.revoke': ['app'],
  'account.newPasswordHint': ['min'],
  'account.newPasswordTooShort': ['min'],
  'mail.expires': ['minutes'],
  'passkeys.created': ['date'],
  'passkeys.lastUsed': ['date'],
  'passkeys.renameLabel': ['name'],
  'passkeys.remove': ['name'],
  'mfa.codesLeft': ['count'],
  'signUp.passwordHint': ['min'],
  'signUp.tooShort': ['min'],
  'signUp.throttled': ['seconds'],
  'verifyEmail.checkLink': ['email'],
  'verifyEmail.checkCode': ['email'],
  'verifyEmail.confirmText': ['email'],
  'reset.sentText': ['email', 'minutes'],
  'passwordless.linkSent': ['email'],
  'passwordless.codeSent': ['email'],
  'passwordless.expires': ['minutes'],
  'passwordless.requestedWith': ['browser', 'system'],
  'passwordless.changeSent': ['email'],
  'passwordless.changeConfirmText': ['email'],
  'passwordless.changedText': ['email'],
  'passwordless.mailChangedIntro': ['email'],
}
