/**
 * Arabic (العربية), the right-to-left language that proves the pages work that way. Every key of
 * the English catalogue, or it does not compile (`Messages`).
 */
import type { Messages } from '../messages.js'

/** Arabic counts: one and two have their own forms, 3–10 take the plural, 11 and more the singular. */
function count(n: number, one: string, two: string, few: string, many: string): string {
  if (n === 1) return one
  if (n === 2) return two
  return n >= 3 && n <= 10 ? `${n} ${few}` : `${n} ${many}`
}

function minutes(seconds: number): string {
  return count(Math.ceil(seconds / 60), 'دقيقة واحدة', 'دقيقتين', 'دقائق', 'دقيقة')
}

function wait(seconds: number): string {
  return seconds < 60 ? count(seconds, 'ثانية واحدة', 'ثانيتين', 'ثوانٍ', 'ثانية') : minutes(seconds)
}

const notSupported = 'غير مدعوم'
const badForm = 'أرسل التطبيق طلب تسجيل الدخول بصيغة لا تقبلها هذه الخدمة.'

export const ar: Messages = {
  errors: {
    invalid_request: {
      title: 'لا يمكن إكمال هذا الطلب',
      sentence: 'الرابط أو النموذج الذي أوصلك إلى هنا غير مكتمل أو قديم أو غير صالح، لذلك لا يمكن المتابعة.',
    },
    invalid_client: { title: 'التطبيق غير معروف', sentence: 'تعذّر التعرّف على التطبيق الذي أرسلك إلى هنا.' },
    invalid_grant: { title: 'تعذّر إكمال تسجيل الدخول', sentence: 'تسجيل الدخول غير صالح أو انتهت صلاحيته أو سبق استخدامه. ابدأ من جديد من التطبيق.' },
    unauthorized_client: { title: 'غير مسموح لهذا التطبيق', sentence: 'لا يُسمح لهذا التطبيق بتسجيل دخولك بهذه الطريقة.' },
    unsupported_grant_type: { title: notSupported, sentence: 'طلب التطبيق نوعًا من الوصول لا تقدّمه هذه الخدمة.' },
    invalid_scope: { title: 'طلب الوصول غير مسموح', sentence: 'طلب التطبيق وصولًا لا يُسمح له بطلبه.' },
    unsupported_response_type: { title: notSupported, sentence: 'طلب التطبيق نوعًا من تسجيل الدخول لا تقدّمه هذه الخدمة.' },
    access_denied: { title: 'تم رفض الوصول', sentence: 'تم رفض الوصول، لذلك لم يحصل التطبيق على وصول إلى حسابك.' },
    server_error: { title: 'حدث خطأ من جهتنا', sentence: 'أوقف خطأ غير متوقع هذا الطلب. يُرجى المحاولة مرة أخرى بعد قليل.' },
    temporarily_unavailable: { title: 'غير متاح مؤقتًا', sentence: 'الخدمة غير متاحة لفترة وجيزة. انتظر بضع ثوانٍ ثم حاول مرة أخرى.' },
    invalid_token: { title: 'لم يتم تسجيل الدخول', sentence: 'بيانات الاعتماد المرسلة مع هذا الطلب غير صالحة أو انتهت صلاحيتها.' },
    insufficient_scope: { title: 'الوصول غير كافٍ', sentence: 'يتطلب هذا وصولًا أكثر مما مُنح للتطبيق.' },
    unsupported_token_type: { title: notSupported, sentence: 'هذا النوع من الرموز غير مدعوم هنا.' },
    authorization_pending: { title: 'بانتظار الموافقة', sentence: 'لم تتم الموافقة على تسجيل الدخول بعد.' },
    slow_down: { title: 'طلبات كثيرة جدًا', sentence: 'تصل الطلبات بسرعة كبيرة. انتظر قليلًا ثم حاول مرة أخرى.' },
    expired_token: { title: 'انتهت صلاحية الرمز', sentence: 'انتهت صلاحية هذا الرمز. ابدأ من جديد على جهازك للحصول على رمز جديد.' },
    login_required: { title: 'يلزم تسجيل الدخول', sentence: 'يجب عليك تسجيل الدخول للمتابعة.' },
    consent_required: { title: 'يلزم الإذن', sentence: 'يجب أن تسمح للتطبيق بالوصول للمتابعة.' },
    interaction_required: { title: 'مطلوب إجراء منك', sentence: 'يجب عليك تسجيل الدخول أو تأكيد أمر ما للمتابعة.' },
    account_selection_required: { title: 'اختر حسابًا', sentence: 'يجب عليك اختيار حساب للمتابعة.' },
    invalid_target: { title: 'خدمة غير معروفة', sentence: 'طلب التطبيق الوصول إلى خدمة لا يعرفها هذا المزوّد.' },
    request_not_supported: { title: notSupported, sentence: badForm },
    request_uri_not_supported: { title: notSupported, sentence: badForm },
  },
  errorPage: {
    details: 'التفاصيل:',
    backTo: (app) => `العودة إلى ${app}`,
    goHome: (host) => `الانتقال إلى ${host}`,
    code: (code) => `رمز الخطأ: ${code}`,
    support: 'اذكر هذا الرمز إذا تواصلت مع الدعم.',
  },
  login: {
    title: 'تسجيل الدخول',
    continueTo: 'للمتابعة إلى',
    email: 'البريد الإلكتروني',
    password: 'كلمة المرور',
    submit: 'تسجيل الدخول',
    badCredentials: 'البريد الإلكتروني أو كلمة المرور غير صحيحة.',
    throttled: (seconds) => `محاولات تسجيل دخول فاشلة كثيرة جدًا. حاول مرة أخرى بعد ${wait(seconds)}.`,
    otherWays: 'طرق أخرى لتسجيل الدخول',
    continueWith: (name) => `المتابعة باستخدام ${name}`,
    or: 'أو',
    noticeCancelled: (name) => `تم إلغاء تسجيل الدخول باستخدام ${name}.`,
    noticeFailed: (name) => `لم ينجح تسجيل الدخول باستخدام ${name}. حاول مرة أخرى أو سجّل الدخول بطريقة أخرى.`,
    noticeUnavailable: (name) => `تعذّر الوصول إلى ${name} حاليًا. حاول لاحقًا أو سجّل الدخول بطريقة أخرى.`,
    accountUnusable: 'لا يمكن استخدام هذا الحساب لتسجيل الدخول هنا. سجّل الدخول بطريقة أخرى أو تواصل مع الدعم.',
  },
  consent: {
    title: 'السماح بالوصول',
    heading: (app) => `يطلب ${app} الوصول إلى حسابك`,
    signedInAs: 'تم تسجيل الدخول باسم',
    codeOnDevice: 'الرمز على جهازك',
    deviceNotice: (codeShown) =>
      `لا تسمح بذلك إلا إذا كان جهازك يعرض ${codeShown ? 'هذا الرمز' : 'الرمز الذي أدخلته'} وكنت أنت من بدأ تسجيل الدخول عليه.`,
    asking: 'يطلب ما يلي:',
    forApi: 'لواجهة البرمجة',
    itIsAsking: 'يطلب ما يلي:',
    deny: 'رفض',
    allow: 'سماح',
    forOrganization: 'للمؤسسة',
    notGranted: (scopes) => `لم يُمنح، لأن حسابك لا يملك هذا الوصول: ${scopes}.`,
    andMore: (n) => `و${n} أخرى`,
    scopes: {
      openid: 'تسجيل دخولك بحسابك',
      profile: 'الاطلاع على اسمك وملفك الشخصي الأساسي',
      email: 'الاطلاع على عنوان بريدك الإلكتروني',
      phone: 'الاطلاع على رقم هاتفك',
      address: 'الاطلاع على عنوانك البريدي',
      offline_access: 'الاحتفاظ بالوصول أثناء عدم استخدامك له',
    },
  },
  organization: {
    title: 'اختر مؤسسة',
    heading: 'اختر مؤسسة',
    signedInAs: 'تم تسجيل الدخول باسم',
    intro: (app) => `سيعمل ${app} نيابةً عن المؤسسة التي تختارها.`,
    legend: 'المؤسسة',
    submit: 'متابعة',
    notMemberNotice: 'لست عضوًا في المؤسسة التي طلبها التطبيق. يمكنك المتابعة بإحدى مؤسساتك.',
    truncated: (shown) => `تُعرض أول ${shown} من مؤسساتك فقط.`,
    chooseOne: 'اختر مؤسسة للمتابعة.',
    notMemberOfChoice: 'لست عضوًا في تلك المؤسسة. اختر إحدى المؤسسات المعروضة.',
    notMemberTitle: 'لست عضوًا',
    notMemberHeading: 'لست عضوًا',
    notMemberText: (app) => `طلب ${app} العمل نيابةً عن مؤسسة ليس حسابك عضوًا فيها.`,
    noOrganizationText: (app) => `لا يمكن استخدام ${app} إلا لمؤسسة، وحسابك ليس عضوًا في أي مؤسسة.`,
    notMemberHelp: 'اطلب من أحد مسؤولي المؤسسة إضافتك، ثم حاول مرة أخرى.',
    backTo: (app) => `العودة إلى ${app}`,
  },
  signOut: {
    title: 'تسجيل الخروج',
    question: 'هل تريد تسجيل الخروج من Latch؟',
    questionAs: ['هل تريد تسجيل الخروج من Latch باسم ', '؟'],
    requestedBy: (app) => `بطلب من ${app}.`,
    submit: 'تسجيل الخروج',
    doneTitle: 'تم تسجيل الخروج',
    doneHeading: 'لقد سجّلت الخروج',
    doneText: 'تم تسجيل خروجك من Latch. يمكنك إغلاق هذه النافذة.',
  },
  home: {
    title: 'مزوّد OpenID',
    heading: 'مزوّد Latch لـ OpenID',
    intro: 'هذه خدمة تسجيل الدخول على العنوان',
    forPeople: 'لا يوجد ما تفعله هنا: التطبيقات التي تستخدم هذه الخدمة ترسلك إليها عند تسجيل الدخول.',
    forDevelopers: 'للمطوّرين: بيانات المزوّد الوصفية موجودة في',
    discovery: 'مستند اكتشاف OpenID Connect',
  },  notFound: {
    title: 'الصفحة غير موجودة',
    sentence: 'لا توجد خدمة تسجيل دخول على هذا العنوان. تحقّق من العنوان أو عُد إلى التطبيق الذي جئت منه.',
  },

  device: {
    title: 'ربط جهاز',
    heading: 'ربط جهاز',
    confirmHint: 'تحقّق من أن هذا الرمز هو نفسه الذي يعرضه جهازك. لا تتابع إلا إذا تطابق وكنت أنت من بدأ تسجيل الدخول على ذلك الجهاز.',
    enterHint: 'أدخل الرمز المعروض على جهازك.',
    code: 'الرمز',
    submit: 'متابعة',
    invalidCode: 'هذا الرمز غير صالح أو انتهت صلاحيته. تحقّق من الرمز على جهازك وحاول مرة أخرى.',
    tooManyAttempts: (seconds) => `محاولات كثيرة جدًا. حاول مرة أخرى بعد ${minutes(seconds)}.`,
    expiredTitle: 'انتهت صلاحية الرمز',
    expiredMessage: 'انتهت صلاحية هذا الرمز أو سبق استخدامه. ابدأ من جديد على جهازك للحصول على رمز جديد.',
    connectedTitle: 'تم ربط الجهاز',
    connectedText: (app) => `أصبح ${app} مرتبطًا بحسابك الآن.`,
    returnToDevice: 'يمكنك العودة إلى جهازك.',
    deniedTitle: 'تم رفض الوصول',
    deniedText: (app) => `لم يتم ربط ${app} بحسابك.`,
    closePage: 'يمكنك إغلاق هذه الصفحة.',
  },
  continuing: 'جارٍ المتابعة',
  continueButton: 'متابعة',
  footer: { support: 'الدعم', terms: 'شروط الاستخدام', privacy: 'الخصوصية' },
  homeRealm: {
    continue: 'متابعة',
    invalidEmail: 'أدخل عنوان بريدك الإلكتروني.',
    redirectTitle: 'جارٍ الانتقال إلى مؤسستك',
    redirectText: (organization) => `تسجّل ${organization} دخولك عبر خدمة تسجيل الدخول الخاصة بها. جارٍ نقلك إليها.`,
    redirectLink: (connection) => `المتابعة إلى ${connection}`,
    connectionRequired: 'تشترط مؤسستك تسجيل الدخول عبر خدمة تسجيل الدخول الخاصة بها.',
  },
  account: {
    title: 'حسابك',
    signedInAs: 'تم تسجيل الدخول باسم',
    linkedHeading: 'الحسابات المرتبطة',
    none: 'لا يوجد حساب مرتبط من خدمة أخرى.',
    linkedOn: (date) => `رُبط في ${date}`,
    unlink: (connection) => `إلغاء ربط ${connection}`,
    linkHeading: 'ربط حساب آخر',
    link: (connection) => `ربط ${connection}`,
    unlinked: 'تم إلغاء ربط الحساب.',
    lastMethod: 'هذه طريقتك الوحيدة لتسجيل الدخول، لذا لا يمكن إلغاء ربطها.',
    notLinked: 'هذا الحساب غير مرتبط.',
    linked: 'تم ربط الحساب.',
    taken: 'هذا الحساب مرتبط بمستخدم آخر، لذا لم يتم ربطه.',
    linkFailed: 'تعذّر الربط. حاول مرة أخرى لاحقًا.',
    reauthNeeded: 'لحمايتك، لا يمكن الربط إلا بعد تسجيل دخول حديث. سجّل الخروج، ثم سجّل الدخول مرة أخرى وارجع إلى هذه الصفحة خلال 10 دقائق.',
    notSignedInTitle: 'لم تسجّل الدخول',
    notSignedInText: 'سجّل الدخول إلى تطبيق يستخدم هذه الخدمة، ثم افتح هذه الصفحة مرة أخرى.',
  },
  mail: {
    verifySubject: 'أكّد عنوان بريدك الإلكتروني في Latch',
    verifyLinkIntro: 'لإكمال إنشاء حسابك في Latch، أكّد أن عنوان البريد الإلكتروني هذا يخصك.',
    verifyButton: 'تأكيد عنوان البريد الإلكتروني',
    verifyCodeSubject: 'رمز التحقق الخاص بك في Latch',
    verifyCodeIntro: 'لإكمال إنشاء حسابك في Latch، أدخل هذا الرمز في الصفحة التي سجّلت فيها.',
    code: 'الرمز',
    resetSubject: 'إعادة تعيين كلمة مرور Latch',
    resetIntro: 'طلب أحدهم إعادة تعيين كلمة مرور حسابك في Latch. لاختيار كلمة مرور جديدة، افتح هذا الرابط.',
    resetButton: 'اختيار كلمة مرور جديدة',
    existsSubject: 'حاول أحدهم إنشاء حساب في Latch ببريدك الإلكتروني',
    existsIntro: 'حاول أحدهم إنشاء حساب جديد في Latch بعنوان بريدك الإلكتروني، ولهذا العنوان حساب بالفعل. إن كنت أنت، فسجّل الدخول بكلمة مرورك، أو استخدم «هل نسيت كلمة المرور؟» في صفحة تسجيل الدخول.',
    expires: (minutes: number) => `يعمل مرة واحدة، خلال ${minutes} دقيقة.`,
    notYou: 'إن لم تطلب ذلك، يمكنك تجاهل هذه الرسالة: لن يتغير شيء.',
    linkFallback: 'إن لم يعمل الزر، انسخ هذا العنوان إلى متصفحك:',
  },
}
