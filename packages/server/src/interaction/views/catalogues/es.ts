/** Spanish (español). Every key of the English catalogue, or it does not compile (`Messages`). */
import type { Messages } from '../messages.js'

function wait(seconds: number): string {
  if (seconds < 60) return `${seconds} ${seconds === 1 ? 'segundo' : 'segundos'}`
  const minutes = Math.ceil(seconds / 60)
  return `${minutes} ${minutes === 1 ? 'minuto' : 'minutos'}`
}

const notSupported = 'No admitido'
const badForm = 'La aplicación envió su solicitud de inicio de sesión en un formato que este servicio no acepta.'

export const es: Messages = {
  errors: {
    invalid_request: {
      title: 'No se puede completar esta solicitud',
      sentence: 'El enlace o formulario que le trajo aquí está incompleto, caducado o no es válido, por lo que no se puede continuar.',
    },
    invalid_client: { title: 'Aplicación no reconocida', sentence: 'No se pudo identificar la aplicación que le envió aquí.' },
    invalid_grant: { title: 'No se pudo completar el inicio de sesión', sentence: 'El inicio de sesión no es válido, ha caducado o ya se utilizó. Vuelva a empezar desde la aplicación.' },
    unauthorized_client: { title: 'No permitido para esta aplicación', sentence: 'Esta aplicación no tiene permiso para iniciar su sesión de esta forma.' },
    unsupported_grant_type: { title: notSupported, sentence: 'La aplicación pidió un tipo de acceso que este servicio no ofrece.' },
    invalid_scope: { title: 'Solicitud de acceso no permitida', sentence: 'La aplicación pidió un acceso que no tiene permiso para solicitar.' },
    unsupported_response_type: { title: notSupported, sentence: 'La aplicación pidió un tipo de inicio de sesión que este servicio no ofrece.' },
    access_denied: { title: 'Acceso denegado', sentence: 'Se denegó el acceso, así que la aplicación no obtuvo acceso a su cuenta.' },
    server_error: { title: 'Algo salió mal por nuestra parte', sentence: 'Un error inesperado detuvo esta solicitud. Inténtelo de nuevo en un momento.' },
    temporarily_unavailable: { title: 'No disponible temporalmente', sentence: 'El servicio no está disponible por un momento. Espere unos segundos e inténtelo de nuevo.' },
    invalid_token: { title: 'Sesión no iniciada', sentence: 'Las credenciales enviadas con esta solicitud no son válidas o han caducado.' },
    insufficient_scope: { title: 'Acceso insuficiente', sentence: 'Esto requiere más acceso del que se concedió a la aplicación.' },
    unsupported_token_type: { title: notSupported, sentence: 'Este tipo de token no se admite aquí.' },
    authorization_pending: { title: 'Esperando aprobación', sentence: 'El inicio de sesión aún no se ha aprobado.' },
    slow_down: { title: 'Demasiadas solicitudes', sentence: 'Las solicitudes llegan demasiado rápido. Espere un momento e inténtelo de nuevo.' },
    expired_token: { title: 'Código caducado', sentence: 'Este código ha caducado. Vuelva a empezar en su dispositivo para obtener uno nuevo.' },
    login_required: { title: 'Inicio de sesión necesario', sentence: 'Tiene que iniciar sesión para continuar.' },
    consent_required: { title: 'Permiso necesario', sentence: 'Tiene que permitir el acceso de la aplicación para continuar.' },
    interaction_required: { title: 'Se necesita su intervención', sentence: 'Tiene que iniciar sesión o confirmar algo para continuar.' },
    account_selection_required: { title: 'Elija una cuenta', sentence: 'Tiene que elegir una cuenta para continuar.' },
    invalid_target: { title: 'Servicio desconocido', sentence: 'La aplicación pidió acceso a un servicio que este proveedor no conoce.' },
    request_not_supported: { title: notSupported, sentence: badForm },
    request_uri_not_supported: { title: notSupported, sentence: badForm },
  },
  errorPage: {
    details: 'Detalles:',
    backTo: (app) => `Volver a ${app}`,
    goHome: (host) => `Ir a ${host}`,
    code: (code) => `Código de error: ${code}`,
    support: 'Mencione este código si contacta con el soporte.',
  },
  login: {
    title: 'Iniciar sesión',
    continueTo: 'para continuar a',
    email: 'Correo electrónico',
    password: 'Contraseña',
    submit: 'Iniciar sesión',
    badCredentials: 'Correo electrónico o contraseña incorrectos.',
    throttled: (seconds) => `Demasiados intentos fallidos de inicio de sesión. Inténtelo de nuevo en ${wait(seconds)}.`,
    otherWays: 'Otras formas de iniciar sesión',
    continueWith: (name) => `Continuar con ${name}`,
    or: 'o',
    noticeCancelled: (name) => `Se canceló el inicio de sesión con ${name}.`,
    noticeFailed: (name) => `El inicio de sesión con ${name} no funcionó. Inténtelo de nuevo o inicie sesión de otra forma.`,
    noticeUnavailable: (name) => `No se puede contactar con ${name} en este momento. Inténtelo más tarde o inicie sesión de otra forma.`,
    accountUnusable: 'Esta cuenta no se puede usar para iniciar sesión aquí. Inicie sesión de otra forma o contacte con soporte.',
  },
  consent: {
    title: 'Permitir acceso',
    heading: (app) => `${app} quiere acceder a su cuenta`,
    signedInAs: 'Sesión iniciada como',
    codeOnDevice: 'Código en su dispositivo',
    deviceNotice: (codeShown) =>
      `Permítalo solo si su dispositivo muestra ${codeShown ? 'este código' : 'el código que introdujo'} y usted mismo empezó a iniciar sesión en él.`,
    asking: 'Solicita:',
    forApi: 'Para la API',
    itIsAsking: 'solicita:',
    deny: 'Denegar',
    allow: 'Permitir',
    forOrganization: 'Para la organización',
    notGranted: (scopes) => `No concedido, porque su cuenta no tiene este acceso: ${scopes}.`,
    andMore: (count) => `y ${count} más`,
    scopes: {
      openid: 'Iniciar su sesión con su cuenta',
      profile: 'Ver su nombre y su perfil básico',
      email: 'Ver su dirección de correo electrónico',
      phone: 'Ver su número de teléfono',
      address: 'Ver su dirección postal',
      offline_access: 'Mantener el acceso mientras no la usa',
    },
  },
  organization: {
    title: 'Elija una organización',
    heading: 'Elija una organización',
    signedInAs: 'Sesión iniciada como',
    intro: (app) => `${app} actuará en nombre de la organización que elija.`,
    legend: 'Organización',
    submit: 'Continuar',
    notMemberNotice: 'No es miembro de la organización que pidió la aplicación. Puede continuar con una de las suyas.',
    truncated: (shown) => `Solo se muestran sus primeras ${shown} organizaciones.`,
    chooseOne: 'Elija una organización para continuar.',
    notMemberOfChoice: 'No es miembro de esa organización. Elija una de las organizaciones de la lista.',
    notMemberTitle: 'No es miembro',
    notMemberHeading: 'No es miembro',
    notMemberText: (app) => `${app} pidió actuar en nombre de una organización de la que su cuenta no es miembro.`,
    noOrganizationText: (app) => `${app} solo se puede usar para una organización, y su cuenta no es miembro de ninguna.`,
    notMemberHelp: 'Pida a un administrador de la organización que le añada y vuelva a intentarlo.',
    backTo: (app) => `Volver a ${app}`,
  },
  signOut: {
    title: 'Cerrar sesión',
    question: '¿Quiere cerrar sesión en Latch?',
    questionAs: ['¿Quiere cerrar sesión en Latch como ', '?'],
    requestedBy: (app) => `Solicitado por ${app}.`,
    submit: 'Cerrar sesión',
    doneTitle: 'Sesión cerrada',
    doneHeading: 'Ha cerrado sesión',
    doneText: 'Ha cerrado sesión en Latch. Puede cerrar esta ventana.',
  },
  home: {
    title: 'Proveedor OpenID',
    heading: 'Proveedor OpenID Latch',
    intro: 'Este es el servicio de inicio de sesión en',
    forPeople: 'Aquí no hay nada que hacer: las aplicaciones que usan este servicio le envían aquí cuando inicia sesión.',
    forDevelopers: 'Para desarrolladores: los metadatos del proveedor están en el',
    discovery: 'documento de descubrimiento de OpenID Connect',
  },  notFound: {
    title: 'Página no encontrada',
    sentence: 'No hay ningún servicio de inicio de sesión en esta dirección. Compruebe la dirección o vuelva a la aplicación de la que venía.',
  },

  device: {
    title: 'Conectar un dispositivo',
    heading: 'Conectar un dispositivo',
    confirmHint: 'Compruebe que este código es el que muestra su dispositivo. Continúe solo si coincide y usted mismo empezó a iniciar sesión en ese dispositivo.',
    enterHint: 'Introduzca el código que aparece en su dispositivo.',
    code: 'Código',
    submit: 'Continuar',
    invalidCode: 'Ese código no es válido o ha caducado. Compruebe el código en su dispositivo e inténtelo de nuevo.',
    tooManyAttempts: (seconds) => {
      const minutes = Math.ceil(seconds / 60)
      return `Demasiados intentos. Inténtelo de nuevo en ${minutes} ${minutes === 1 ? 'minuto' : 'minutos'}.`
    },
    expiredTitle: 'Código caducado',
    expiredMessage: 'Este código ha caducado o ya se utilizó. Vuelva a empezar en su dispositivo para obtener un código nuevo.',
    connectedTitle: 'Dispositivo conectado',
    connectedText: (app) => `${app} ya está conectado a su cuenta.`,
    returnToDevice: 'Puede volver a su dispositivo.',
    deniedTitle: 'Acceso denegado',
    deniedText: (app) => `${app} no se conectó a su cuenta.`,
    closePage: 'Puede cerrar esta página.',
  },
  continuing: 'Continuando',
  continueButton: 'Continuar',
  footer: { support: 'Ayuda', terms: 'Condiciones de uso', privacy: 'Privacidad' },
}
