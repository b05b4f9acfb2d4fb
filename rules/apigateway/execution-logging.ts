import { block, isTrue } from '../attributes';
import type { ResourceView, Rule, RuleContext } from '../rule';

/** Method settings that apply to every method of this stage. */
function stageWideSettings(stage: ResourceView, context: RuleContext): ResourceView[] {
  return context
    .resources('aws_api_gateway_method_settings')
    .filter((settings) => settings.config.method_path === '*/*')
    .filter(
      (settings) =>
        context.referencing('aws_api_gateway_method_settings', stage).includes(settings) ||
        (settings.config.rest_api_id === stage.config.rest_api_id && settings.config.stage_name === stage.config.stage_name),
    );
}

export const apiStageExecutionLogging: Rule = {
  id: 'PLAT-APIGW-5',
  checkov: ['CKV2_AWS_4'],
  resourceTypes: ['aws_api_gateway_stage'],
  description: 'API Gateway stages log execution errors for every method (logging level ERROR or INFO) without logging request and response bodies.',
  fix: 'add aws_api_gateway_method_settings for the stage with methodPath "*/*", settings { loggingLevel: "ERROR" | "INFO", dataTraceEnabled: false }',
  check: (resource, context) => {
    const settings = stageWideSettings(resource, context).map((s) => block(s.config.settings));
    if (settings.length === 0) return 'no aws_api_gateway_method_settings with method_path "*/*" for this stage';
    if (!settings.some((s) => s?.logging_level === 'ERROR' || s?.logging_level === 'INFO')) return 'logging_level is OFF or not set';
    return settings.some((s) => isTrue(s?.data_trace_enabled)) ? 'data_trace_enabled logs full requests and responses (may contain secrets)' : undefined;
  },
};
