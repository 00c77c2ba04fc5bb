/**
 * Checks real responses against the service's own OpenAPI document, as a client generated from
 * it would: the response's status must be documented for its route, with a schema, and the
 * body must validate (ajv; OpenAPI 3.0's `nullable` included).
 */
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';

// Both packages are CommonJS with a default export.
const Ajv = AjvModule as unknown as typeof AjvModule.default;
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface SeenResponse {
  readonly method: string;
  /** The route as the document names it, e.g. `/commands/{commandId}`. */
  readonly route: string;
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
}

export class OpenApiValidator {
  readonly #ajv = new Ajv({ strict: false, allErrors: true });
  readonly seen: SeenResponse[] = [];

  constructor(private readonly document: Json) {
    addFormats(this.#ajv);
    this.#ajv.addSchema({ $id: 'doc', components: document.components }, 'doc');
  }

  /** The problems with one response; `[]` when a generated client would accept it. */
  problems(r: SeenResponse): string[] {
    this.seen.push(r);
    const operation = this.document.paths?.[r.route]?.[r.method.toLowerCase()];
    if (!operation) return [`${r.method} ${r.route} is not in the document`];
    const response = operation.responses?.[String(r.status)];
    if (!response) return [`${r.method} ${r.route} answered ${r.status}, which is not documented`];
    const mediaType = r.contentType.split(';')[0]!.trim();
    const content = response.content?.[mediaType];
    if (!content?.schema) return [`${r.method} ${r.route} ${r.status}: no schema for ${mediaType}`];
    const schema = JSON.parse(
      JSON.stringify(content.schema).replaceAll('"#/components/', '"doc#/components/'),
    );
    const validate = this.#ajv.compile(schema);
    if (validate(r.body)) return [];
    return (validate.errors ?? []).map(
      (e) =>
        `${r.method} ${r.route} ${r.status}: ${e.instancePath || '(body)'} ${e.message} ${JSON.stringify(e.params)}`,
    );
  }
}
