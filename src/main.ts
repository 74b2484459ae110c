/**
 * The command line: `start` (default), `migrate`, `seed-demo`, `create-workspace --name X`.
 * Run through npm: `npm start`, `npm run cli -- create-workspace --name "Acme"`.
 */
import 'reflect-metadata';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { openDatabase, startRuntime } from './runtime';
import { WorkspaceService } from './services/workspace.service';
import { ensureDemoWorkspace } from './seed/demo-seed';
import { createServices } from './services';
import { SCHEMA_FILE, writeOrCheckSchema } from './graphql/print-schema';

const USAGE = `usage: segments <command>
  start                          create/migrate the database, load the demo once, serve (ROLE=all|api|worker)
  migrate                        create the database if missing and run pending migrations
  seed-demo                      load the demo workspace if it is not there, print its admin token
  create-workspace --name NAME   create a workspace and its first admin; prints {"workspaceId","agentId","token"}
  schema [--check]               write (or check) schema/schema.graphql`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  const inline = args.find((a) => a.startsWith(`--${name}=`));
  return inline?.slice(name.length + 3);
}

async function main(argv: string[]): Promise<number> {
  const [command = 'start', ...args] = argv;
  const config = loadConfig();
  const logger = createLogger(command === 'start' ? config.logLevel : 'warn');
  switch (command) {
    case 'start': {
      const ds = await openDatabase(config, logger);
      if (config.seedDemo) {
        const demo = await ensureDemoWorkspace(createServices(ds), logger);
        logger.info({ workspaceId: demo.workspaceId }, demo.created ? 'demo workspace loaded' : 'demo workspace present');
        if (demo.token) process.stdout.write(`\nDemo admin token: ${demo.token}\n`);
      }
      const runtime = await startRuntime(config, logger, ds);
      if (runtime.api) process.stdout.write(`GraphQL: ${runtime.api.url}/graphql   GraphiQL: ${runtime.api.url}/graphiql\n\n`);
      let stopping = false;
      // Graceful (see Runtime.stop): exit 0 when everything was finished or released, 1 when the
      // stop failed or did not end within 9 s (orchestrators kill at 10 s by default).
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        const started = Date.now();
        logger.info({ signal }, 'shutting down');
        const force = setTimeout(() => { logger.error({ ms: Date.now() - started }, 'shutdown did not finish in time'); process.exit(1); }, 9_000);
        force.unref();
        runtime.stop().then(
          () => { logger.info({ ms: Date.now() - started }, 'shut down'); process.exit(0); },
          (error) => { logger.error({ err: error }, 'shutdown failed'); process.exit(1); },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      return -1; // keep running
    }
    case 'migrate': {
      const ds = await openDatabase(config, logger);
      await ds.destroy();
      return 0;
    }
    case 'seed-demo': {
      const ds = await openDatabase(config, logger);
      const demo = await ensureDemoWorkspace(createServices(ds), logger);
      process.stdout.write(`${JSON.stringify({ workspaceId: demo.workspaceId, created: demo.created, token: demo.token })}\n`);
      await ds.destroy();
      return 0;
    }
    case 'create-workspace': {
      const name = option(args, 'name');
      if (!name || !name.trim()) {
        process.stderr.write(`create-workspace needs --name "Workspace name"\n${USAGE}\n`);
        return 2;
      }
      const ds = await openDatabase(config, logger);
      try {
        const created = await new WorkspaceService(ds).createWorkspace({ name, adminEmail: option(args, 'email'), adminName: option(args, 'admin-name') });
        process.stdout.write(`${JSON.stringify(created)}\n`);
      } finally {
        await ds.destroy();
      }
      return 0;
    }
    case 'schema': {
      const check = args.includes('--check');
      const ok = await writeOrCheckSchema(check);
      if (!ok) process.stderr.write(`${SCHEMA_FILE} is stale: run npm run schema and commit it\n`);
      else process.stdout.write(check ? `${SCHEMA_FILE} is up to date\n` : `wrote ${SCHEMA_FILE}\n`);
      return ok ? 0 : 1;
    }
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`unknown command ${command}\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { if (code >= 0) process.exit(code); },
  (error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
