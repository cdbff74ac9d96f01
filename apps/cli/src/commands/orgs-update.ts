/**
 * `latch orgs update ID [--name NAME] [--domains a,b] [--branding FILE | --no-branding]`: changes
 * an organization (issues 10, 11). `--branding FILE` sets its branding (a YAML or JSON mapping of
 * the config `branding` keys; `css_file` relative to FILE, read now), which overrides the tenant's
 * on the pages of requests for the organization; `--no-branding` removes it. The result passes
 * the config loader's rules for an `organizations:` entry; colours below WCAG AA are warned about.
 */
import type { Command } from 'commander'
import { updateOrganization } from '@latch/server/admin'
import { flagError, managementScope, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { brandingFromFile } from '../branding-file.js'
import { UsageError, cliErrorOf } from '../errors.js'
import { list } from '../flag-values.js'
import { organizationIdArg, userWords } from '../lookups.js'
import { note, printJson, say } from '../output.js'
import { inConfigFile } from './orgs-list.js'

interface OrgsUpdateOptions extends CommonOptions {
  name?: string
  domains?: string[]
  /** A file, or false for --no-branding. */
  branding?: string | false
  /** Issue 13: --mfa-required / --no-mfa-required; undefined: unchanged. */
  mfaRequired?: boolean
  json?: boolean
}

const FLAGS: Readonly<Record<string, string>> = { name: '--name', domains: '--domains' }

export function orgsUpdate(parent: Command): void {
  withConfigOption(
    parent
      .command('update')
      .description("change an organization's name, email domains or branding")
      .argument('<id>', 'organization id')
      .option('--name <name>', 'name shown on pages (the picker, the consent page)')
      .option('--domains <list>', "comma-separated email domains whose verified users join on sign-in (--domains '' removes them all)", list)
      .option('--branding <file>', 'YAML or JSON file of branding keys (product_name, logo_url, primary_color, css_file, …)')
      .option('--no-branding', "remove the organization's branding (its pages look like the tenant's)")
      .option('--mfa-required', 'issue 13: grants that act for this organization need a second factor')
      .option('--no-mfa-required', 'issue 13: the organization no longer requires a second factor')
      .option('--json', 'print the organization as JSON'),
  ).action(async (idArg: string, opts: OrgsUpdateOptions) => {
    const id = organizationIdArg(idArg)
    if (opts.name === undefined && opts.domains === undefined && opts.branding === undefined && opts.mfaRequired === undefined) {
      throw new UsageError('nothing to update: give --name, --domains, --branding, --no-branding, --mfa-required or --no-mfa-required')
    }
    await withStore(opts, async (ctx) => {
      const { config, store } = ctx
      let set: ReturnType<typeof brandingFromFile> | undefined
      let result: Awaited<ReturnType<typeof updateOrganization>>
      const entryOf = (e: { id: string; name: string; domains: string[] }): Record<string, unknown> => ({ id: e.id, name: e.name, domains: e.domains })
      try {
        result = await updateOrganization(managementScope(ctx), id, {
          ...(opts.name !== undefined && { name: opts.name }),
          ...(opts.domains !== undefined && { domains: opts.domains }),
          ...(opts.mfaRequired !== undefined && { mfa_required: opts.mfaRequired }),
          ...(opts.branding === false && { branding: false as const }),
          ...(typeof opts.branding === 'string' && {
            branding: (e: { id: string; name: string; domains: string[] }) => {
              set = brandingFromFile(config, entryOf(e), opts.branding as string)
              return set.branding
            },
          }),
        })
      } catch (err) {
        throw cliErrorOf(flagError(err, 'organizations', FLAGS, { id, ...(opts.name !== undefined && { name: opts.name }), ...(opts.domains !== undefined && { domains: opts.domains }) }), userWords)
      }
      const { organization, branding, mfaRequired } = result
      if (opts.json) printJson({ ...organization, branding: (await store.organizations.branding(id)) ?? {}, mfa_required: mfaRequired })
      else say(`updated organization ${organization.id} (${organization.name})${branding === undefined ? '' : Object.keys(branding).length === 0 ? ': branding removed' : ': branding set'}${opts.mfaRequired === undefined ? '' : mfaRequired ? ': MFA required' : ': MFA not required'}`)
      for (const warning of (set as ReturnType<typeof brandingFromFile> | undefined)?.warnings ?? []) note(`warning: ${warning}`)
      if (inConfigFile(config, id)) note(`warning: organization ${id} is also listed in the config file; the next \`latch serve\` sets it from the file`)
    })
  })
}
