/**
 * Issue 14: the console's Organizations (`/admin/organizations`: list, create, delete) and
 * Connections (`/admin/connections`: list, delete) pages. A connection is added elsewhere, so that
 * its client secret never passes through a page.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { connectionsContent, EMPTY_ORGANIZATION_FORM, organizationsContent, type OrganizationForm } from '../../interaction/views/console-organizations.js'
import { confirmContent, type Notice } from '../../interaction/views/console-layout.js'
import { CONSOLE_MESSAGES as m } from '../../interaction/views/console-messages.js'
import { deleteConnection, listConnections } from '../../management/connections.js'
import { createOrganization, deleteOrganization, listOrganizations } from '../../management/organizations.js'
import { href, gate, formParams, scopeOf, refusalOf, render, back, type Admin } from './page.js'

async function organizationsPage(request: FastifyRequest, reply: FastifyReply, admin: Admin, extra: { form?: OrganizationForm; alert?: string; notice?: Notice; status?: number } = {}): Promise<FastifyReply> {
  const organizations = (await listOrganizations(scopeOf(request, admin))).sort((a, b) => a.id.localeCompare(b.id))
  return render(request, reply, admin, 'organizations', m.organizations, organizationsContent({
    organizations, write: admin.write, csrf: admin.csrf, createAction: href(request, '/organizations'), deleteAction: href(request, '/organizations/delete'), form: extra.form ?? EMPTY_ORGANIZATION_FORM, alert: extra.alert,
  }), extra.notice, extra.status)
}

export async function showOrganizations(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const admin = await gate(request, reply, 'read')
  return admin === null ? reply : organizationsPage(request, reply, admin)
}

export async function createOrganizationForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const form: OrganizationForm = { id: (params.id ?? '').trim(), name: (params.name ?? '').trim(), domains: (params.domains ?? '').trim() }
  const domains = form.domains.split(/[\s,]+/).filter((d) => d !== '')
  const answer = await refusalOf(() => createOrganization(scopeOf(request, admin), { id: form.id, name: form.name, ...(domains.length > 0 && { domains }) }))
  if ('refused' in answer) return organizationsPage(request, reply, admin, { form, alert: answer.refused.text, status: answer.refused.status })
  return back(request, reply, '/organizations', 'organization_created')
}

export async function deleteOrganizationForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const id = params.id ?? ''
  if (params.confirm !== 'yes') {
    return render(request, reply, admin, 'organizations', m.deleteOrganization(id), confirmContent({ question: m.confirmDeleteOrganization(id), action: href(request, '/organizations/delete'), csrf: admin.csrf, fields: { id }, back: href(request, '/organizations') }))
  }
  const answer = await refusalOf(() => deleteOrganization(scopeOf(request, admin), id))
  if ('refused' in answer) return organizationsPage(request, reply, admin, { notice: answer.refused, status: answer.refused.status })
  return back(request, reply, '/organizations', 'organization_deleted')
}

async function connectionsPage(request: FastifyRequest, reply: FastifyReply, admin: Admin, notice?: Notice & { status: number }): Promise<FastifyReply> {
  const connections = (await listConnections(scopeOf(request, admin))).sort((a, b) => a.id.localeCompare(b.id))
  return render(request, reply, admin, 'connections', m.connections, connectionsContent({ connections, write: admin.write, csrf: admin.csrf, deleteAction: href(request, '/connections/delete') }), notice, notice?.status)
}

export async function showConnections(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const admin = await gate(request, reply, 'read')
  return admin === null ? reply : connectionsPage(request, reply, admin)
}

export async function deleteConnectionForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const id = params.id ?? ''
  if (params.confirm !== 'yes') {
    return render(request, reply, admin, 'connections', m.deleteConnection(id), confirmContent({ question: m.confirmDeleteConnection(id), action: href(request, '/connections/delete'), csrf: admin.csrf, fields: { id }, back: href(request, '/connections') }))
  }
  const answer = await refusalOf(() => deleteConnection(scopeOf(request, admin), id))
  if ('refused' in answer) return connectionsPage(request, reply, admin, answer.refused)
  request.latch.connections.invalidate()
  return back(request, reply, '/connections', 'connection_deleted')
}
