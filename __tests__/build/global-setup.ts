import { buildArtifacts } from '../../scripts/build-artifacts';

/** Stacks reference the built zips, so every test run starts from an up-to-date build (a no-op when warm). */
export default async function globalSetup(): Promise<void> {
  await buildArtifacts();
}
