import { apiRequest, databaseEnvironment, defineFunction } from '../defaults';

const PPU_RECORD_SCHEMA = {
  type: 'object',
  required: ['deviceId', 'recordedAt', 'units'],
  additionalProperties: false,
  properties: {
    deviceId: { type: 'string', minLength: 1, maxLength: 128 },
    recordedAt: { type: 'string', format: 'date-time' },
    units: { type: 'number', minimum: 0 },
    softwareVersion: { type: 'string', minLength: 1, maxLength: 64 },
  },
};

export default defineFunction({
  name: 'insert-ppu-data',
  description: 'Validates and inserts PPU records into PostgreSQL',
  memoryMiB: 1024,
  timeoutSeconds: 6,
  // Bounded so a burst cannot exhaust the database's connections.
  reservedConcurrency: 10,
  vpc: true,
  layers: ['pg-driver'],
  sharedModules: ['platform_log', 'platform_db', 'platform_http'],
  trigger: { kind: 'http' },
  environment: databaseEnvironment('insert_ppu_data'),
  grants: [{ kind: 'db-login', user: 'insert_ppu_data' }],
  // Refused by validation before the database is touched: nothing is stored.
  dryRun: { event: apiRequest('POST', '/ppu-data', { records: [] }), expect: { statusCode: 400 } },
  routes: [
    {
      method: 'POST',
      path: '/ppu-data',
      operationId: 'insertPpuData',
      summary: 'Validates and stores PPU records',
      requestBodySchema: {
        type: 'object',
        required: ['records'],
        additionalProperties: false,
        properties: { records: { type: 'array', minItems: 1, maxItems: 500, items: PPU_RECORD_SCHEMA } },
      },
    },
  ],
});
