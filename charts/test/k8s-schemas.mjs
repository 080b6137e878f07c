#!/usr/bin/env node
// Converts Kubernetes' OpenAPI v2 document (api/openapi-spec/swagger.json of the k8s.io/kubernetes
// module, fetched by `scripts/tools.sh k8s-schemas` from the Go module proxy) into the JSON
// schemas kubeconform reads: one stand-alone file per kind, "<kind>[-<group>]-<version>.json"
// (kubeconform's {{ .ResourceKind }}{{ .KindSuffix }}), every $ref inlined, and strict:
//   * an object with declared properties refuses any other field (additionalProperties: false),
//     unless Kubernetes says it keeps unknown fields (x-kubernetes-preserve-unknown-fields);
//   * apiVersion and kind are pinned to the kind's group/version and name;
//   * int-or-string fields take a string or an integer, quantities a string or a number, and an
//     optional field may be null, as the API server accepts.
// Same layout and rules as the "-standalone-strict" schemas kubeconform is usually given.
// Plain JavaScript, no dependencies: tools.sh may run it before `npm ci`.
//
//   node charts/test/k8s-schemas.mjs <swagger.json> <output dir>
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = { oneOf: [{ type: 'string' }, { type: 'integer' }] };

export function convertSwagger(swagger) {
  const defs = swagger.definitions;
  const out = new Map();

  const nullable = (s) => {
    if (typeof s.type === 'string') return { ...s, type: [s.type, 'null'] };
    if (Array.isArray(s.oneOf)) return { ...s, oneOf: [...s.oneOf, { type: 'null' }] };
    return s;
  };

  // stack: definitions being expanded, to cut recursion (JSONSchemaProps refers to itself).
  const conv = (node, stack) => {
    if (node.$ref) {
      const name = node.$ref.replace('#/definitions/', '');
      if (name === QUANTITY) return { oneOf: [{ type: 'string' }, { type: 'number' }] };
      if (stack.includes(name)) return {};
      if (!defs[name]) throw new Error(`unresolved $ref ${node.$ref}`);
      return conv(defs[name], [...stack, name]);
    }
    if (node.format === 'int-or-string' || node['x-kubernetes-int-or-string']) return { ...INT_OR_STRING };
    const s = {};
    for (const k of ['type', 'format', 'enum', 'required', 'minimum', 'maximum', 'pattern', 'minItems', 'maxItems']) {
      if (node[k] !== undefined) s[k] = node[k];
    }
    if (node.items) s.items = conv(node.items, stack);
    for (const k of ['allOf', 'anyOf', 'oneOf']) if (node[k]) s[k] = node[k].map((n) => conv(n, stack));
    if (node.properties) {
      const required = new Set(node.required ?? []);
      s.properties = {};
      for (const [p, ps] of Object.entries(node.properties)) {
        const c = conv(ps, stack);
        s.properties[p] = required.has(p) ? c : nullable(c);
      }
    }
    if (typeof node.additionalProperties === 'object') s.additionalProperties = conv(node.additionalProperties, stack);
    else if (typeof node.additionalProperties === 'boolean') s.additionalProperties = node.additionalProperties;
    else if (node.properties && !node['x-kubernetes-preserve-unknown-fields']) s.additionalProperties = false;
    return s;
  };

  for (const [name, def] of Object.entries(defs)) {
    for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
      const schema = conv(def, [name]);
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      schema.properties = {
        ...schema.properties,
        apiVersion: { type: 'string', enum: [apiVersion] },
        kind: { type: 'string', enum: [gvk.kind] },
      };
      const suffix = gvk.group ? `-${gvk.group.split('.')[0]}-${gvk.version}` : `-${gvk.version}`;
      const file = `${gvk.kind}${suffix}`.toLowerCase() + '.json';
      // Several definitions can claim one GVK (DeleteOptions, WatchEvent): keep the first, from
      // the group's own package.
      if (!out.has(file) || name.includes(`.${(gvk.group || 'core').split('.')[0]}.${gvk.version}.`)) out.set(file, schema);
    }
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const [swaggerFile, outDir] = process.argv.slice(2);
  if (!swaggerFile || !outDir) {
    console.error('usage: k8s-schemas.mjs <swagger.json> <output dir>');
    process.exit(2);
  }
  const schemas = convertSwagger(JSON.parse(readFileSync(swaggerFile, 'utf8')));
  mkdirSync(outDir, { recursive: true });
  for (const [file, schema] of schemas) writeFileSync(path.join(outDir, file), JSON.stringify(schema));
  console.error(`[k8s-schemas] ${schemas.size} schemas -> ${outDir}`);
}
