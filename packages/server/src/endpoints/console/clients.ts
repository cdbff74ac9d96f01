/**
 * Issue 14: the console's Clients page (`/admin/clients`): list, create (a confidential client's
 * secret on the answer, once: a redirect would carry it in a URL), delete after asking.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { clientsContent, EMPTY_CLIENT_FORM, grantsOfForm, type ClientForm } from '../../interaction/views/console-clients.js'
import { confirmContent, type Notice } from '../../interaction/views/console-layout.js'
import { CONSOLE_MESSAGES as m } from '../../interaction/views/console-messages.js'
import { createClient, deleteClient, listClients } from '../../management/clients.js'
import { href, gate, formParams, scopeOf, refusalOf, render, back, type Admin } from './page.js'

async function clientsPage(request: FastifyRequest, reply: FastifyReply, admin: Admin, extra: { form?: ClientForm; alert?: string; secret?: { clientId: string; value: string }; notice?: Notice; status?: number } = {}): Promise<FastifyReply> {
  const clients = await listClients(scopeOf(request, admin))
  const content = clientsContent({
    clients, write: admin.write, csrf: admin.csrf, createAction: href(request, '/clients'), deleteAction: href(request, '/clients/delete'),
    form: extra.form ?? EMPTY_CLIENT_FORM, alert: extra.alert, secret: extra.secret,
  })
  return render(request, reply, admin, 'clients', m.clients, content, extra.notice, extra.status)
}

export async function showClients(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const admin = await gate(request, reply, 'read')
  return admin === null ? reply : clientsPage(request, reply, admin)
}

function lines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '')
}

export async function createClientForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const form: ClientForm = {
    client_id: (params.client_id ?? '').trim(),
    client_name: (params.client_name ?? '').trim(),
    type: params.type === 'public' ? 'public' : 'confidential',
    redirect_uris: params.redirect_uris ?? '',
    grants: grantsOfForm(params),
    scope: (params.scope ?? '').trim(),
  }
  const entry: Record<string, unknown> = {
    client_id: form.client_id,
    ...(form.client_name !== '' && { client_name: form.client_name }),
    ...(form.type === 'public' && { token_endpoint_auth_method: 'none' }),
    redirect_uris: lines(form.redirect_uris),
    grant_types: form.grants,
    ...(form.scope !== '' && { scope: form.scope }),
  }
  const answer = await refusalOf(() => createClient(scopeOf(request, admin), entry))
  if ('refused' in answer) return clientsPage(request, reply, admin, { form, alert: answer.refused.text, status: answer.refused.status })
  const { client, secret } = answer.ok
  // The secret is on this answer only (no-store): a redirect would have to carry it in a URL.
  return clientsPage(request, reply, admin, { secret: secret === undefined ? undefined : { clientId: client.client_id, value: secret }, notice: { text: m.clientCreated(client.client_id) } })
}

export async function deleteClientForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const clientId = params.client_id ?? ''
  if (params.confirm !== 'yes') {
    return render(request, reply, admin, 'clients', m.deleteClient(clientId), confirmContent({ question: m.confirmDeleteClient(clientId), action: href(request, '/clients/delete'), csrf: admin.csrf, fields: { client_id: clientId }, back: href(request, '/clients') }))
  }
  const answer = await refusalOf(() => deleteClient(scopeOf(request, admin), clientId))
  if ('refused' in answer) return clientsPage(request, reply, admin, { notice: answer.refused, status: answer.refused.status })
  return back(request, reply, '/clients', 'client_deleted')
}
