// Every function of the catalogue, one line each (the export is the file name in camelCase), in
// name order; catalogue/index.ts assembles them. `npm run new:function` adds its function's line.
export { default as apiDocsGenerator } from './api-docs-generator';
export { default as generatePresignedUrl } from './generate-presigned-url';
export { default as insertPpuData } from './insert-ppu-data';
export { default as lambdaTestRunner } from './lambda-test-runner';
export { default as presignedUrlS3Upload } from './presigned-url-s3-upload';
export { default as softwareEventUpdateHandler } from './software-event-update-handler';
export { default as syncClock } from './sync-clock';
