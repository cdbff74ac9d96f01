/** French (français). Every key of the English catalogue, or it does not compile (`Messages`). */
import type { Messages } from '../messages.js'

function wait(seconds: number): string {
  if (seconds < 60) return `${seconds} seconde${seconds > 1 ? 's' : ''}`
  const minutes = Math.ceil(seconds / 60)
  return `${minutes} minute${minutes > 1 ? 's' : ''}`
}

const notSupported = 'Non pris en charge'
const badForm = 'L’application a envoyé sa demande de connexion sous une forme que ce service n’accepte pas.'

export const fr: Messages = {
  errors: {
    invalid_request: {
      title: 'Cette demande ne peut pas aboutir',
      sentence: 'Le lien ou le formulaire qui vous a amené ici est incomplet, périmé ou non valide : il ne peut pas être poursuivi.',
    },
    invalid_client: { title: 'Application non reconnue', sentence: 'L’application qui vous a envoyé ici n’a pas pu être identifiée.' },
    invalid_grant: { title: 'La connexion n’a pas pu aboutir', sentence: 'La connexion n’est pas valide, a expiré ou a déjà été utilisée. Recommencez depuis l’application.' },
    unauthorized_client: { title: 'Non autorisé pour cette application', sentence: 'Cette application n’est pas autorisée à vous connecter de cette manière.' },
    unsupported_grant_type: { title: notSupported, sentence: 'L’application a demandé un type d’accès que ce service ne propose pas.' },
    invalid_scope: { title: 'Demande d’accès non autorisée', sentence: 'L’application a demandé un accès qu’elle n’a pas le droit de demander.' },
    unsupported_response_type: { title: notSupported, sentence: 'L’application a demandé un type de connexion que ce service ne propose pas.' },
    access_denied: { title: 'Accès refusé', sentence: 'L’accès a été refusé : l’application n’a donc pas obtenu l’accès à votre compte.' },
    server_error: { title: 'Un problème est survenu de notre côté', sentence: 'Une erreur inattendue a interrompu cette demande. Veuillez réessayer dans un instant.' },
    temporarily_unavailable: { title: 'Temporairement indisponible', sentence: 'Le service est brièvement indisponible. Patientez quelques secondes, puis réessayez.' },
    invalid_token: { title: 'Non connecté', sentence: 'Les identifiants envoyés avec cette demande ne sont pas valides ou ont expiré.' },
    insufficient_scope: { title: 'Accès insuffisant', sentence: 'Cette action nécessite plus d’accès que l’application n’en a reçu.' },
    unsupported_token_type: { title: notSupported, sentence: 'Ce type de jeton n’est pas pris en charge ici.' },
    authorization_pending: { title: 'En attente d’approbation', sentence: 'La connexion n’a pas encore été approuvée.' },
    slow_down: { title: 'Trop de demandes', sentence: 'Les demandes arrivent trop vite. Patientez un instant, puis réessayez.' },
    expired_token: { title: 'Code expiré', sentence: 'Ce code a expiré. Recommencez sur votre appareil pour en obtenir un nouveau.' },
    login_required: { title: 'Connexion requise', sentence: 'Vous devez vous connecter pour continuer.' },
    consent_required: { title: 'Autorisation requise', sentence: 'Vous devez autoriser l’accès de l’application pour continuer.' },
    interaction_required: { title: 'Une action de votre part est nécessaire', sentence: 'Vous devez vous connecter ou confirmer quelque chose pour continuer.' },
    account_selection_required: { title: 'Choisissez un compte', sentence: 'Vous devez choisir un compte pour continuer.' },
    invalid_target: { title: 'Service inconnu', sentence: 'L’application a demandé l’accès à un service que ce fournisseur ne connaît pas.' },
    request_not_supported: { title: notSupported, sentence: badForm },
    request_uri_not_supported: { title: notSupported, sentence: badForm },
  },
  errorPage: {
    details: 'Détails :',
    backTo: (app) => `Retour à ${app}`,
    goHome: (host) => `Aller sur ${host}`,
    code: (code) => `Code d’erreur : ${code}`,
    support: 'Indiquez ce code si vous contactez l’assistance.',
  },
  login: {
    title: 'Se connecter',
    continueTo: 'pour continuer vers',
    email: 'E-mail',
    password: 'Mot de passe',
    submit: 'Se connecter',
    badCredentials: 'E-mail ou mot de passe incorrect.',
    throttled: (seconds) => `Trop de tentatives de connexion échouées. Réessayez dans ${wait(seconds)}.`,
    otherWays: 'Autres façons de se connecter',
    continueWith: (name) => `Continuer avec ${name}`,
    or: 'ou',
    noticeCancelled: (name) => `La connexion avec ${name} a été annulée.`,
    noticeFailed: (name) => `La connexion avec ${name} n’a pas abouti. Réessayez ou connectez-vous autrement.`,
    noticeUnavailable: (name) => `${name} est injoignable pour le moment. Réessayez plus tard ou connectez-vous autrement.`,
    accountUnusable: 'Ce compte ne permet pas de se connecter ici. Connectez-vous autrement ou contactez l’assistance.',
  },
  consent: {
    title: 'Autoriser l’accès',
    heading: (app) => `${app} souhaite accéder à votre compte`,
    signedInAs: 'Connecté en tant que',
    codeOnDevice: 'Code sur votre appareil',
    deviceNotice: (codeShown) =>
      `N’autorisez ceci que si votre appareil affiche ${codeShown ? 'ce code' : 'le code que vous avez saisi'} et que vous avez vous-même commencé à vous y connecter.`,
    asking: 'Elle demande à :',
    forApi: 'Pour l’API',
    itIsAsking: 'elle demande à :',
    deny: 'Refuser',
    allow: 'Autoriser',
    forOrganization: 'Pour l’organisation',
    notGranted: (scopes) => `Non accordé, car votre compte ne dispose pas de cet accès : ${scopes}.`,
    andMore: (count) => `et ${count} de plus`,
    scopes: {
      openid: 'Vous connecter avec votre compte',
      profile: 'Voir votre nom et votre profil de base',
      email: 'Voir votre adresse e-mail',
      phone: 'Voir votre numéro de téléphone',
      address: 'Voir votre adresse postale',
      offline_access: 'Conserver l’accès lorsque vous ne l’utilisez pas',
    },
  },
  organization: {
    title: 'Choisissez une organisation',
    heading: 'Choisissez une organisation',
    signedInAs: 'Connecté en tant que',
    intro: (app) => `${app} agira pour l’organisation que vous choisissez.`,
    legend: 'Organisation',
    submit: 'Continuer',
    notMemberNotice: 'Vous n’êtes pas membre de l’organisation demandée par l’application. Vous pouvez continuer avec l’une des vôtres.',
    truncated: (shown) => `Seules vos ${shown} premières organisations sont affichées.`,
    chooseOne: 'Choisissez une organisation pour continuer.',
    notMemberOfChoice: 'Vous n’êtes pas membre de cette organisation. Choisissez l’une des organisations de la liste.',
    notMemberTitle: 'Non membre',
    notMemberHeading: 'Vous n’êtes pas membre',
    notMemberText: (app) => `${app} a demandé à agir pour une organisation dont votre compte n’est pas membre.`,
    noOrganizationText: (app) => `${app} ne peut être utilisé que pour une organisation, et votre compte n’est membre d’aucune.`,
    notMemberHelp: 'Demandez à un administrateur de l’organisation de vous ajouter, puis réessayez.',
    backTo: (app) => `Retour à ${app}`,
  },
  signOut: {
    title: 'Se déconnecter',
    question: 'Voulez-vous vous déconnecter de Latch ?',
    questionAs: ['Voulez-vous vous déconnecter de Latch en tant que ', ' ?'],
    requestedBy: (app) => `Demandé par ${app}.`,
    submit: 'Se déconnecter',
    doneTitle: 'Déconnecté',
    doneHeading: 'Vous êtes déconnecté',
    doneText: 'Vous avez été déconnecté de Latch. Vous pouvez fermer cette fenêtre.',
  },
  home: {
    title: 'Fournisseur OpenID',
    heading: 'Fournisseur OpenID Latch',
    intro: 'Ceci est le service de connexion à l’adresse',
    forPeople: 'Il n’y a rien à faire ici : les applications qui utilisent ce service vous y envoient lorsque vous vous connectez.',
    forDevelopers: 'Pour les développeurs : les métadonnées du fournisseur se trouvent dans le',
    discovery: 'document de découverte OpenID Connect',
  },  notFound: {
    title: 'Page introuvable',
    sentence: 'Il n’y a pas de service de connexion à cette adresse. Vérifiez l’adresse ou revenez à l’application d’où vous venez.',
  },

  device: {
    title: 'Connecter un appareil',
    heading: 'Connecter un appareil',
    confirmHint: 'Vérifiez que ce code est bien celui qu’affiche votre appareil. Ne continuez que s’il correspond et que vous avez vous-même commencé à vous connecter sur cet appareil.',
    enterHint: 'Saisissez le code affiché sur votre appareil.',
    code: 'Code',
    submit: 'Continuer',
    invalidCode: 'Ce code n’est pas valide ou a expiré. Vérifiez le code sur votre appareil et réessayez.',
    tooManyAttempts: (seconds) => {
      const minutes = Math.ceil(seconds / 60)
      return `Trop de tentatives. Réessayez dans ${minutes} minute${minutes > 1 ? 's' : ''}.`
    },
    expiredTitle: 'Code expiré',
    expiredMessage: 'Ce code a expiré ou a déjà été utilisé. Recommencez sur votre appareil pour obtenir un nouveau code.',
    connectedTitle: 'Appareil connecté',
    connectedText: (app) => `${app} est maintenant connecté à votre compte.`,
    returnToDevice: 'Vous pouvez revenir à votre appareil.',
    deniedTitle: 'Accès refusé',
    deniedText: (app) => `${app} n’a pas été connecté à votre compte.`,
    closePage: 'Vous pouvez fermer cette page.',
  },
  continuing: 'Redirection',
  continueButton: 'Continuer',
  footer: { support: 'Assistance', terms: "Conditions d'utilisation", privacy: 'Confidentialité' },
}
