/**
 * Issue 13: Latch's own script for passkeys, served after `@simplewebauthn/browser`'s UMD bundle
 * as one file, `/assets/passkeys.js` (endpoints/passkey-assets.ts), from the issuer's origin: the
 * pages that use it allow `script-src` of that one URL and `connect-src` of the one URL it asks
 * for options (review L8), nothing inline.
 *
 * Sign-in page (`[data-passkey-sign-in]`): where the browser has WebAuthn, adds the button; where
 * it has conditional mediation, starts a request right away that offers passkeys in the Email
 * field's autofill (`autocomplete="username webauthn"`); a click on the button starts a modal one
 * (which aborts the autofill request). Each asks the server for options first (a POST with the
 * page's CSRF token), then posts the browser's answer in a form, so the server's answer is a page
 * like any sign-in's. Account page (`[data-passkey-register]`, also the offer right after sign-up):
 * the form is shown, and its submit asks for options, creates the passkey and posts the answer with
 * the name typed. Second-factor step (`[data-passkey-second-factor]`): the button **Use a passkey**
 * and a modal request (the options list the user's passkeys; no autofill).
 * @see https://www.w3.org/TR/webauthn-3/#dom-credentialmediationrequirement-conditional
 */
export const PASSKEYS_SCRIPT = `
;(function () {
  'use strict'
  var W = window.SimpleWebAuthnBrowser
  if (!W) return

  function options(url, csrf) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ csrf: csrf }).toString()
    }).then(function (res) {
      return res.json().then(function (body) {
        if (res.ok) return body
        if (body && typeof body.location === 'string') window.location.assign(body.location)
        throw new Error('options refused')
      })
    })
  }

  // The alert is made when needed: a page with an empty role="alert" would announce nothing, and read as an error.
  function say(box, text) {
    var alert = box.querySelector('[data-passkey-error]')
    if (!alert) {
      alert = document.createElement('p')
      alert.className = 'error'
      alert.setAttribute('role', 'alert')
      alert.setAttribute('data-passkey-error', '')
      box.appendChild(alert)
    }
    alert.textContent = text
  }

  function post(action, fields) {
    var form = document.createElement('form')
    form.method = 'post'
    form.action = action
    form.hidden = true
    Object.keys(fields).forEach(function (name) {
      var input = document.createElement('input')
      input.type = 'hidden'
      input.name = name
      input.value = fields[name]
      form.appendChild(input)
    })
    document.body.appendChild(form)
    form.submit()
  }

  function signIn(box, autofill) {
    var csrf = box.getAttribute('data-csrf')
    return options(box.getAttribute('data-options'), csrf)
      .then(function (optionsJSON) {
        return W.startAuthentication({ optionsJSON: optionsJSON, useBrowserAutofill: autofill })
      })
      .then(function (response) {
        post(box.getAttribute('data-action'), { csrf: csrf, response: JSON.stringify(response) })
      })
      .catch(function (error) {
        // An autofill request aborted by the button (or by leaving the page) is no failure.
        if (autofill || (error && error.name === 'AbortError')) return
        say(box, box.getAttribute('data-cancelled'))
      })
  }

  function setUpSignIn(box, id, autofill) {
    if (!W.browserSupportsWebAuthn()) {
      if (box.getAttribute('data-unsupported')) say(box, box.getAttribute('data-unsupported'))
      return
    }
    var button = document.createElement('button')
    button.type = 'button'
    button.className = 'secondary'
    button.id = id
    button.textContent = box.getAttribute('data-label')
    box.appendChild(button)
    button.addEventListener('click', function () {
      signIn(box, false)
    })
    if (!autofill) return
    W.browserSupportsWebAuthnAutofill().then(function (yes) {
      if (yes) signIn(box, true)
    })
  }

  function setUpRegistration(form) {
    form.hidden = false
    if (!W.browserSupportsWebAuthn()) {
      say(form, form.getAttribute('data-unsupported'))
      form.querySelector('button').disabled = true
      return
    }
    form.addEventListener('submit', function (event) {
      event.preventDefault()
      var csrf = form.querySelector('input[name=csrf]').value
      options(form.getAttribute('data-options'), csrf)
        .then(function (optionsJSON) {
          return W.startRegistration({ optionsJSON: optionsJSON })
        })
        .then(function (response) {
          form.querySelector('input[name=response]').value = JSON.stringify(response)
          form.submit()
        })
        .catch(function () {
          say(form, form.getAttribute('data-cancelled'))
        })
    })
  }

  function start() {
    var box = document.querySelector('[data-passkey-sign-in]')
    if (box) setUpSignIn(box, 'passkey-sign-in', true)
    var factor = document.querySelector('[data-passkey-second-factor]')
    if (factor) setUpSignIn(factor, 'passkey-second-factor', false)
    var form = document.querySelector('[data-passkey-register]')
    if (form) setUpRegistration(form)
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()
`
