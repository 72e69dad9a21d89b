import type { Command } from 'commander';
import type { GeneralAugmentClient, Project } from '@genaug/sdk';
import { adminClient, call, connectionFrom } from '../app-team/connection';
import { printJson, printLine, printTable } from '../output';

interface ProjectOptions {
  adminKey?: string;
  json?: boolean;
}

/** `genaug projects create|list`: projects on the configured server, with an admin key. */
export function registerProjects(program: Command): void {
  const projects = program.command('projects').description('create and list projects on the server (GENAUG_API_BASE_URL)');

  projects
    .command('create')
    .description('create a project (needs the root admin key)')
    .argument('<name>', "the project's name")
    .option('--slug <slug>', 'its slug (default: from the name)')
    .option('--admin-key <key>', 'admin key (default: GENAUG_ADMIN_KEY)')
    .option('--json', 'print the project as JSON')
    .action(async (name: string, options: ProjectOptions & { slug?: string }) => {
      const client = adminClient(connectionFrom(options));
      const project = await call(() => client.createProject({ name, ...(options.slug ? { slug: options.slug } : {}) }));
      if (options.json) return printJson(project);
      printLine(`created project ${project.slug} (${project.id})`);
      printLine(`next: genaug keys create --project ${project.slug} --environment development`);
    });

  projects
    .command('list')
    .description('every project the admin key can see')
    .option('--admin-key <key>', 'admin key (default: GENAUG_ADMIN_KEY)')
    .option('--json', 'print the projects as JSON')
    .action(async (options: ProjectOptions) => {
      const client = adminClient(connectionFrom(options));
      const all = await call(() => allProjects(client));
      if (options.json) return printJson(all);
      if (!all.length) return printLine('no projects yet: genaug projects create "My App"');
      printTable(all, [
        { header: 'id', value: (p) => p.id },
        { header: 'slug', value: (p) => String(p.slug) },
        { header: 'name', value: (p) => String(p.name) },
        { header: 'created', value: (p) => String(p.created_at ?? '') },
      ]);
    });
}

/** Every page of the project list. */
export async function allProjects(client: GeneralAugmentClient): Promise<Project[]> {
  const out: Project[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await client.listProjects({ limit: 200, after });
    out.push(...page.data);
    if (!page.has_more || typeof page.next_cursor !== 'string') return out;
    after = page.next_cursor;
  }
}
