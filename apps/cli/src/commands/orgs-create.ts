/**
 * `latch orgs create --id ID --name NAME [--domains a,b] [--branding FILE]`: adds an organization
 * (issue 10; issue 11: `--branding`, see orgs-update.ts). The
 * entry is validated by the config loader, exactly as an `organizations:` entry of
 * latch.config.yaml is (id `[a-z0-9-]{1,64}`, domains lower-case names). Users whose verified email
 * is at one of `--domains` join it (roles `[member]`) when they next sign in.
 */
import type { Command } from 'commander'
import { createOrganization, type OrganizationRecord } from '@latch/server/admin'
import { flagError, managementScope, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { cliErrorOf } from '../errors.js'
import { list } from '../flag-values.js'
import { note, printJson, say } from '../output.js'
import { organizationIdArg } from '../lookups.js'
import { inConfigFile } from './orgs-list.js'
import { brandingFromFile } from '../branding-file.js'

interface OrgsCreateOptions extends CommonOptions {
  id: string
  name: string
  domains?: string[]
  branding?: string
  mfaRequired?: boolean
  json?: boolean
}

const FLAGS: Readonly<Record<string, string>> = { id: '--id', name: '--name', domains: '--domains' }

export function orgsCreate(parent: Command): void {
  withConfigOption(
    parent
      .command('create')
      .description('add an organization')
      .requiredOption('--id <id>', 'organization id: 1 to 64 of a-z, 0-9 and - (it appears in tokens as org_id)')
      .requiredOption('--name <name>', 'name shown on pages (the picker, the consent page)')
      .option('--domains <list>', 'comma-separated email domains whose verified users join on sign-in', list)
      .option('--branding <file>', 'YAML or JSON file of branding keys (product_name, logo_url, primary_color, css_file, …)')
      .option('--mfa-required', 'issue 13: grants that act for this organization need a second factor')
      .option('--json', 'print the organization as JSON'),
  ).action(async (opts: OrgsCreateOptions) => {
    organizationIdArg(opts.id, '--id')
    const entry: Record<string, unknown> = { id: opts.id, name: opts.name, ...(opts.domains !== undefined && { domains: opts.domains }) }
    await withStore(opts, async (ctx) => {
      const { config } = ctx
      let set: ReturnType<typeof brandingFromFile> | undefined
      let organization: OrganizationRecord
      try {
        organization = await createOrganization(managementScope(ctx), {
          id: opts.id, name: opts.name, ...(opts.domains !== undefined && { domains: opts.domains }), mfa_required: opts.mfaRequired === true,
          branding: () => {
            set = opts.branding === undefined ? undefined : brandingFromFile(config, entry, opts.branding)
            return set?.branding
          },
        })
      } catch (err) {
        throw cliErrorOf(flagError(err, 'organizations', FLAGS, entry), (e) =>
          e.code === 'conflict' ? `organization ${opts.id} already exists (delete it first with \`latch orgs delete ${opts.id}\`)` : undefined)
      }
      if (opts.json) printJson({ ...organization, mfa_required: opts.mfaRequired === true })
      else say(`created organization ${organization.id} (${organization.name})`)
      for (const warning of (set as ReturnType<typeof brandingFromFile> | undefined)?.warnings ?? []) note(`warning: ${warning}`)
      if (inConfigFile(config, organization.id)) {
        note(`warning: organization ${organization.id} is also listed in the config file; the next \`latch serve\` updates it from the file`)
      }
    })
  })
}
