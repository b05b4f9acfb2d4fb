import { Dashboard } from '../../constructs/dashboard';
import { queueMessagesVisible } from '../../constructs/metric';
import { resourcesOf, synthWith } from '../helpers/edge-fixtures';
import { monitoredApi, monitoredDatabase, monitoredFunction, monitoredWebAcl } from '../helpers/monitored';

function synthDashboard(queueNames: readonly string[] = ['software-events', 'software-events-dlq']) {
  const synthesized = synthWith((stack) => {
    new Dashboard(stack, 'Dashboard', {
      dashboardName: 'platform',
      region: 'eu-west-1',
      api: monitoredApi('ppu', 'v1'),
      functions: [monitoredFunction('insert-ppu-data', 6), monitoredFunction('sync-clock', 3)],
      database: monitoredDatabase('ppu', 410),
      queueDepths: queueNames.map((queue) => queueMessagesVisible(queue)),
      webAcl: monitoredWebAcl('ppu-api', 'eu-west-1'),
    });
  });
  const [[, dashboard]] = resourcesOf(synthesized, 'aws_cloudwatch_dashboard');
  return { name: dashboard.dashboard_name as string, widgets: JSON.parse(dashboard.dashboard_body).widgets as Record<string, any>[] };
}

const { name, widgets } = synthDashboard();
const widget = (title: string) => {
  const found = widgets.find((w) => w.properties.title === title);
  if (!found) throw new Error(`no widget '${title}'`);
  return found.properties.metrics as any[][];
};

test('the dashboard is named from props', () => {
  expect(name).toBe('platform');
});

test('API requests, errors and latency percentiles of the stage', () => {
  expect(widget('API requests and errors').map((m) => m[1])).toEqual(['Count', '4XXError', '5XXError']);
  expect(widget('API latency (ms)').map((m) => m[m.length - 1].stat)).toEqual(['p50', 'p95', 'p99', 'p95']);
  expect(widget('API requests and errors')[0].slice(2, 6)).toEqual(['ApiName', 'ppu', 'Stage', 'v1']);
});

test.each(['Invocations', 'Errors', 'Throttles'])('function %s has one line per function', (metric) => {
  const title = { Invocations: 'Function invocations', Errors: 'Function errors', Throttles: 'Function throttles' }[metric] as string;
  expect(widget(title).map((m) => [m[1], m[3]])).toEqual([
    [metric, 'insert-ppu-data'],
    [metric, 'sync-clock'],
  ]);
});

test('function duration shows p95 per function', () => {
  expect(widget('Function duration p95 (ms)').map((m) => m[m.length - 1].stat)).toEqual(['p95', 'p95']);
});

test('database CPU, connections and storage of the instance', () => {
  expect(widget('Database CPU (%)')[0].slice(1, 4)).toEqual(['CPUUtilization', 'DBInstanceIdentifier', 'ppu']);
  expect(widget('Database connections')[0][1]).toBe('DatabaseConnections');
  expect(widget('Database free storage (bytes)')[0][1]).toBe('FreeStorageSpace');
});

test('queue depth per queue and WAF allowed and blocked', () => {
  expect(widget('Queue depth (visible messages)').map((m) => m[3])).toEqual(['software-events', 'software-events-dlq']);
  expect(widget('WAF allowed and blocked requests').map((m) => m.slice(1, 8))).toEqual([
    ['AllowedRequests', 'WebACL', 'ppu-api', 'Region', 'eu-west-1', 'Rule', 'ALL'],
    ['BlockedRequests', 'WebACL', 'ppu-api', 'Region', 'eu-west-1', 'Rule', 'ALL'],
  ]);
});

test('widgets tile two to a row without overlapping', () => {
  const cells = widgets.map((w) => `${w.x},${w.y}`);
  expect(new Set(cells).size).toBe(widgets.length);
  expect(widgets.every((w) => w.x + w.width <= 24)).toBe(true);
});

test('a graph with nothing to show is left out', () => {
  expect(synthDashboard([]).widgets.some((w) => w.properties.title.startsWith('Queue depth'))).toBe(false);
});
