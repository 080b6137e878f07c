// The API reference page (#/api): the gateway's OpenAPI document (/openapi.json, the single
// source of the API's shapes) rendered by Swagger UI, whose "Try it out" sends the signed-in
// user's token with each request. Imported on demand, so the rest of the dashboard does not load it.
import SwaggerUIBundle from 'swagger-ui-dist/swagger-ui-es-bundle.js';
import 'swagger-ui-dist/swagger-ui.css';
import { authorization } from './api.js';
import { clear, h } from './dom.js';

/** Renders the reference into `container`. */
export function showApiReference(container: HTMLElement): void {
  const reference = h('div', { id: 'api-reference' });
  clear(container, h('h2', {}, 'API reference'), h('p', {}, 'The OpenAPI 3.1 document of this API: ', h('a', { href: '/openapi.json' }, '/openapi.json'), '.'), reference);
  SwaggerUIBundle({
    url: '/openapi.json',
    domNode: reference,
    // The document's links stay in this page: the dashboard's own routing owns the hash.
    deepLinking: false,
    requestInterceptor: (request) => {
      request.headers = { ...request.headers, ...authorization() };
      return request;
    },
  });
}
