/**
 * Where integration tests find the real services. scripts/pontis.sh exports these; the defaults
 * are the machine's Postgres and the broker deploy/kafka/kafka.sh starts.
 */
export const testEnv = {
  databaseUrl: process.env.PONTIS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  kafkaBrokers: (process.env.PONTIS_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
};
