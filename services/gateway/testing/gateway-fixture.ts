import { randomBytes } from 'node:crypto';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Bus } from '../../../libs/bus/index.js';
import { loadConfig } from '../../../libs/config/index.js';
import { BUS, bootstrap, DATA_SOURCE } from '../../../libs/platform/index.js';
import { createTestStore, type TestStore } from '../../../libs/store/testing.js';
import { testEnv } from '../../../libs/testing/index.js';
import { AdminTokenRepository } from '../auth/admin-token.repository.js';
import type { AdminRole } from '../auth/admin-token.js';
import { GatewayModule } from '../gateway.module.js';

export interface GatewayFixture {
  app: INestApplication;
  base: string;
  ds: DataSource;
  bus: Bus;
  store: TestStore;
  /** Topic prefix of this run on the shared broker. */
  prefix: string;
  /** A token created straight in the database, as `pontis token create` does. */
  token(role: AdminRole, name?: string): Promise<string>;
  /** fetch against the gateway, JSON in and out. */
  call(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/** The gateway (and any other modules given) on the real Postgres (own schema) and the real Kafka (own topic prefix). */
export async function startGateway(env: Record<string, string> = {}, extraModules: Array<Type<unknown> | DynamicModule> = []): Promise<GatewayFixture> {
  const store = await createTestStore();
  const prefix = `gw${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'error',
    PONTIS_SANDBOX: '0',
    DATABASE_URL: testEnv.databaseUrl,
    DATABASE_SCHEMA: store.schema,
    PONTIS_MASTER_KEY: randomBytes(32).toString('base64'),
    KAFKA_BROKERS: testEnv.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_PARTITIONS: '1',
    PONTIS_SERVICES: 'gateway',
    ...env,
  });
  let app: INestApplication;
  try {
    app = await bootstrap({ config, modules: [GatewayModule, ...extraModules], openApi: true });
  } catch (err) {
    await store.drop();
    throw err;
  }
  const { port } = app.getHttpServer().address() as { port: number };
  const base = `http://127.0.0.1:${port}`;
  const ds = app.get<DataSource>(DATA_SOURCE);
  let n = 0;
  return {
    app,
    base,
    ds,
    bus: app.get<Bus>(BUS),
    store,
    prefix,
    token: async (role, name) => (await new AdminTokenRepository(ds).create({ name: name ?? `${role}-${++n}`, role, actor: 'test' })).token,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${base}${path}`, { method, headers, body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON: the test asserts on the text */
      }
      return { status: res.status, body, headers: res.headers };
    },
    async close() {
      await app.close();
      await store.drop();
    },
  };
}
