/**
 * Issue 14: the console's Signing keys page (`/admin/keys`): the published keys' public facts and
 * **Rotate keys** after asking (management/keys.ts; running servers publish the new key at their
 * next reload).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { keysContent } from '../../interaction/views/console-keys.js'
import { confirmContent, type Notice } from '../../interaction/views/console-layout.js'
import { CONSOLE_MESSAGES as m } from '../../interaction/views/console-messages.js'
import { signingRecord } from '../../keys/signing-selection.js'
import { rotateKeys } from '../../management/keys.js'
import { href, gate, formParams, scopeOf, refusalOf, render, back, type Admin } from './page.js'

async function keysPage(request: FastifyRequest, reply: FastifyReply, admin: Admin, notice?: Notice & { status: number }): Promise<FastifyReply> {
  const ctx = request.latch
  const now = ctx.clock.now()
  const keys = await ctx.store.keys.list(now)
  const signing = signingRecord(keys.filter((k) => k.companion_of === null), now)
  return render(request, reply, admin, 'keys', m.keys, keysContent({ keys, signing: signing?.kid ?? null, now, write: admin.write, csrf: admin.csrf, rotateAction: href(request, '/keys/rotate') }), notice, notice?.status)
}

export async function showKeys(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const admin = await gate(request, reply, 'read')
  return admin === null ? reply : keysPage(request, reply, admin)
}

export async function rotateKeysForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = formParams(request)
  const admin = await gate(request, reply, 'write')
  if (admin === null) return reply
  const immediately = params.immediately === 'yes'
  if (params.confirm !== 'yes') {
    return render(request, reply, admin, 'keys', m.rotate, confirmContent({
      question: immediately ? m.confirmRotateNow : m.confirmRotate, action: href(request, '/keys/rotate'), csrf: admin.csrf, fields: immediately ? { immediately: 'yes' } : {}, back: href(request, '/keys'),
    }))
  }
  const answer = await refusalOf(() => rotateKeys(scopeOf(request, admin), { immediately }))
  if ('refused' in answer) return keysPage(request, reply, admin, answer.refused)
  return back(request, reply, '/keys', 'keys_rotated')
}
