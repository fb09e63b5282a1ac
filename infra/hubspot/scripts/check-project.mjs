#!/usr/bin/env node
// Offline check of the HubSpot developer-platform project in infra/hubspot.
//
// 1. HubSpot's own parser (@hubspot/project-parsing-lib): hsproject.json, then `translate` with
//    validation skipped (full validation downloads JSON schemas from an account, as `hs project validate`
//    does) once per config profile found in src/ (hsprofile.<name>.json).
// 2. The parser's offline rules that `skipValidation` leaves out, redone with its own exports: no stray
//    *-hsmeta.json, only uid/type/config/... at the top level, valid uids, each component in its directory,
//    singular components once, every feature under the app.
// 3. Our configs against the documented 2025.2 shapes (app, webhooks, card), every ${VARIABLE} resolved,
//    every fetch URL HTTPS, and the card's base URL among the profile's permittedUrls.fetch.
// 4. TypeScript type-checks the card against @hubspot/ui-extensions (tsconfig.json).
//
// Exits non-zero on any error. `--json` prints the intermediate representation of each profile.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { translate } from '@hubspot/project-parsing-lib/translate';
import { parseProjectConfig, isKnownPlatformVersion } from '@hubspot/project-parsing-lib/projects';
import { getAllHsProfiles, loadHsProfileFile, validateProfileVariables } from '@hubspot/project-parsing-lib/profiles';
import { validateUid } from '@hubspot/project-parsing-lib/uid';
import { mapToUserFacingType } from '@hubspot/project-parsing-lib/transform';
import { Components, ALLOWED_TOP_LEVEL_FIELDS } from '@hubspot/project-parsing-lib/constants';
import { createAjvInstance } from '@hubspot/project-parsing-lib/validation';

const PROJECT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PLATFORM_VERSION = '2025.2';
const EXAMPLE_PROFILE = 'example';
const errors = [];
const fail = (where, message) => errors.push(`${where}: ${message}`);
const asJson = process.argv.includes('--json');

// --- our reading of the 2025.2 configuration reference (developers.hubspot.com, "App configuration",
// "Configure webhooks", "App cards reference"); additionalProperties stay open where HubSpot may add fields.
const httpsUrl = { type: 'string', pattern: '^https://[^\\s/$.?#][^\\s]*$' };
const SCHEMAS = {
  app: {
    type: 'object',
    required: ['name', 'distribution', 'auth'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 200 },
      description: { type: 'string' },
      distribution: { enum: ['private', 'marketplace'] },
      auth: {
        type: 'object',
        required: ['type', 'requiredScopes'],
        properties: {
          type: { enum: ['static', 'oauth'] },
          redirectUrls: { type: 'array', items: httpsUrl },
          requiredScopes: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: '^[a-z][a-z0-9_.-]*$' } },
          optionalScopes: { type: 'array', uniqueItems: true, items: { type: 'string' } },
          conditionallyRequiredScopes: { type: 'array', uniqueItems: true, items: { type: 'string' } },
        },
      },
      permittedUrls: {
        type: 'object',
        properties: {
          fetch: { type: 'array', uniqueItems: true, items: httpsUrl },
          iframe: { type: 'array', uniqueItems: true, items: httpsUrl },
          img: { type: 'array', uniqueItems: true, items: httpsUrl },
        },
        additionalProperties: false,
      },
      support: { type: 'object' },
    },
  },
  webhooks: {
    type: 'object',
    required: ['settings', 'subscriptions'],
    properties: {
      settings: {
        type: 'object',
        required: ['targetUrl', 'maxConcurrentRequests'],
        properties: { targetUrl: httpsUrl, maxConcurrentRequests: { type: 'integer', minimum: 1 } },
        additionalProperties: false,
      },
      subscriptions: {
        type: 'object',
        additionalProperties: false,
        properties: {
          crmObjects: {
            type: 'array',
            items: {
              type: 'object',
              required: ['subscriptionType', 'objectType', 'active'],
              properties: {
                subscriptionType: { type: 'string', pattern: '^object\\.[A-Za-z]+$' },
                objectType: { type: 'string' },
                propertyName: { type: 'string' },
                active: { type: 'boolean' },
              },
              additionalProperties: false,
            },
          },
          legacyCrmObjects: {
            type: 'array',
            items: {
              type: 'object',
              required: ['subscriptionType', 'active'],
              properties: {
                subscriptionType: { type: 'string', pattern: '^(contact|company|deal|ticket|product|line_item)\\.[A-Za-z]+$' },
                propertyName: { type: 'string', minLength: 1 },
                active: { type: 'boolean' },
              },
              additionalProperties: false,
              if: { properties: { subscriptionType: { pattern: '\\.propertyChange$' } } },
              then: { required: ['propertyName'] },
            },
          },
          hubEvents: {
            type: 'array',
            items: {
              type: 'object',
              required: ['subscriptionType', 'active'],
              properties: { subscriptionType: { type: 'string' }, active: { type: 'boolean' } },
              additionalProperties: false,
            },
          },
        },
      },
    },
  },
  card: {
    type: 'object',
    required: ['name', 'location', 'entrypoint', 'objectTypes'],
    properties: {
      name: { type: 'string', minLength: 1 },
      description: { type: 'string' },
      location: { enum: ['crm.record.tab', 'crm.record.sidebar', 'crm.preview', 'helpdesk.sidebar'] },
      entrypoint: { type: 'string', pattern: '^/app/cards/[^/]+\\.(jsx|tsx)$' },
      objectTypes: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string' } },
    },
  },
};

function checkProjectConfig() {
  const config = parseProjectConfig(PROJECT_DIR); // throws ProjectConfigValidationError
  if (config.platformVersion !== PLATFORM_VERSION) {
    fail('hsproject.json', `platformVersion is ${config.platformVersion}, expected ${PLATFORM_VERSION}`);
  }
  if (!isKnownPlatformVersion(config.platformVersion)) {
    fail('hsproject.json', `platformVersion ${config.platformVersion} is unknown to @hubspot/project-parsing-lib`);
  }
  return config;
}

function checkProfile(srcDir, profile) {
  let contents;
  try {
    contents = loadHsProfileFile(srcDir, profile);
  } catch (error) {
    fail(`hsprofile.${profile}.json`, error.message);
    return;
  }
  if (!Number.isInteger(contents.accountId)) fail(`hsprofile.${profile}.json`, 'accountId must be a number');
  const { errors: variableErrors } = validateProfileVariables(contents.variables ?? {}, `hsprofile.${profile}.json`);
  variableErrors.forEach((message) => fail(`hsprofile.${profile}.json`, message));
}

// The structural rules the parser applies in its (online) validation step, which need no schema.
function checkStructure(srcDir, ir, skipped) {
  skipped.forEach((file) => fail(file, 'a *-hsmeta.json outside any component directory is ignored by HubSpot'));
  const counts = {};
  let appUid;
  for (const node of Object.values(ir.intermediateNodesIndexedByUid)) {
    const where = node.metaFilePath;
    const type = mapToUserFacingType(node.componentType);
    const component = Components[type];
    const raw = JSON.parse(fs.readFileSync(path.join(srcDir, node.metaFilePath), 'utf8'));
    const extra = Object.keys(raw).filter((key) => !ALLOWED_TOP_LEVEL_FIELDS.has(key));
    if (extra.length) fail(where, `unexpected top-level fields: ${extra.join(', ')}`);
    const uidError = validateUid(node.uid);
    if (uidError) fail(where, uidError);
    if (!component) {
      fail(where, `unknown component type "${raw.type}"`);
      continue;
    }
    const expectedDir = path.join(component.parentComponent ? Components[component.parentComponent].dir : '', component.dir);
    if (path.dirname(node.metaFilePath) !== expectedDir) fail(where, `a ${type} belongs in src/${expectedDir}/`);
    counts[type] = (counts[type] ?? 0) + 1;
    if (component.singularComponent && counts[type] > 1) fail(where, `only one ${type} component is allowed`);
    if (type === 'app') appUid = node.uid;
  }
  if (!appUid) fail('src/app', 'no app component (app-hsmeta.json)');
  for (const node of Object.values(ir.intermediateNodesIndexedByUid)) {
    const component = Components[mapToUserFacingType(node.componentType)];
    if (component?.parentComponent === 'app' && node.componentDeps?.app !== appUid) {
      fail(node.metaFilePath, 'not attached to the app component');
    }
  }
  return counts;
}

function checkConfigs(srcDir, ir, profile) {
  const ajv = createAjvInstance();
  const byType = {};
  for (const node of Object.values(ir.intermediateNodesIndexedByUid)) {
    const type = mapToUserFacingType(node.componentType);
    (byType[type] ??= []).push(node);
    const where = `${node.metaFilePath} [profile ${profile}]`;
    const unresolved = JSON.stringify(node.config).match(/\$\{[^}]*\}/g);
    if (unresolved) fail(where, `unresolved profile variables ${[...new Set(unresolved)].join(', ')}`);
    const schema = SCHEMAS[type];
    if (!schema) {
      fail(where, `no offline schema for component type ${type}: extend scripts/check-project.mjs`);
      continue;
    }
    const validate = ajv.compile(schema);
    if (!validate(node.config)) {
      validate.errors.forEach((e) => fail(where, `config${e.instancePath.replaceAll('/', '.')} ${e.message}`));
    }
    if (type === 'card') {
      const entry = path.join(srcDir, node.config.entrypoint ?? '');
      if (!fs.existsSync(entry)) fail(where, `entrypoint ${node.config.entrypoint} does not exist`);
    }
  }
  const app = byType.app?.[0];
  const fetchUrls = app?.config?.permittedUrls?.fetch ?? [];
  for (const card of byType.card ?? []) {
    const api = path.join(srcDir, path.dirname(card.config.entrypoint), 'textloopApi.ts');
    const match = fs.existsSync(api) && fs.readFileSync(api, 'utf8').match(/TEXTLOOP_API_BASE_URL\s*=\s*'([^']+)'/);
    if (!match) {
      fail(card.metaFilePath, 'textloopApi.ts with TEXTLOOP_API_BASE_URL not found next to the card');
      continue;
    }
    const base = match[1].replace(/\/+$/, '');
    if (!fetchUrls.some((url) => base === url.replace(/\/+$/, '') || base.startsWith(url.replace(/\/+$/, '') + '/'))) {
      fail(
        `${card.metaFilePath} [profile ${profile}]`,
        `the card fetches ${base} but permittedUrls.fetch is ${JSON.stringify(fetchUrls)}: ` +
          'set TEXTLOOP_API_BASE_URL in src/app/cards/textloopApi.ts and in the profile to the same URL',
      );
    }
  }
  return byType;
}

function typeCheckCards() {
  const tsc = path.join(PROJECT_DIR, 'node_modules', '.bin', 'tsc');
  const run = spawnSync(tsc, ['-p', path.join(PROJECT_DIR, 'tsconfig.json')], { encoding: 'utf8' });
  if (run.status !== 0) {
    fail('src/app/cards', `TypeScript: ${(run.stdout + run.stderr).trim() || `exit ${run.status}`}`);
  }
}

async function main() {
  const started = Date.now();
  const config = checkProjectConfig();
  const srcDir = path.join(PROJECT_DIR, config.srcDir);
  const profiles = await getAllHsProfiles(srcDir);
  if (!profiles.includes(EXAMPLE_PROFILE)) fail('src', `hsprofile.${EXAMPLE_PROFILE}.json is missing`);
  const report = {};
  for (const profile of profiles.sort()) {
    checkProfile(srcDir, profile);
    let result;
    try {
      result = await translate(
        { projectSourceDir: srcDir, platformVersion: config.platformVersion },
        { skipValidation: true, profile },
      );
    } catch (error) {
      fail(`translate [profile ${profile}]`, error.message);
      continue;
    }
    const counts = checkStructure(srcDir, result.intermediateRepresentation, result.skippedHsMetaFiles);
    checkConfigs(srcDir, result.intermediateRepresentation, profile);
    report[profile] = { components: counts, intermediateRepresentation: result.intermediateRepresentation };
  }
  typeCheckCards();
  if (asJson) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  const summary = Object.entries(report)
    .map(([profile, r]) => `${profile}: ${Object.entries(r.components).map(([t, n]) => `${n} ${t}`).join(', ')}`)
    .join('; ');
  const unique = [...new Set(errors)];
  if (unique.length) {
    process.stderr.write(`HubSpot project check FAILED (${unique.length}):\n${unique.map((e) => `  - ${e}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stderr.write(`HubSpot project OK (${summary}) in ${Date.now() - started} ms\n`);
}

main().catch((error) => {
  process.stderr.write(`HubSpot project check FAILED: ${error?.stack ?? error}\n`);
  process.exit(1);
});
