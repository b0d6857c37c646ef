// The registry of @weft/webhook error codes (never reused once released) and the one error type that
// carries them. Expected failures travel as values holding an InjectionError; nothing here throws.

/** Every error code the injector reports, with a one-line meaning. */
export const WEBHOOK_ERROR_CODES = {
  WEFT_ERR_INJECT_BAD_OBJECT: 'The object to inject is not shaped like a Pod or workload (missing spec, containers without names, ...).',
  WEFT_ERR_INJECT_BAD_ANNOTATION: 'A sidecar.istio.io / traffic.sidecar.istio.io / proxy.istio.io annotation has a value Istio rejects.',
  WEFT_ERR_INJECT_UNKNOWN_TEMPLATE: 'inject.istio.io/templates names a template Weft does not have.',
  WEFT_ERR_INJECT_NO_TEMPLATE: 'A workload kind with a pod template has none (spec.template missing).',
  WEFT_ERR_ADMISSION_BAD_REVIEW: 'The request body is not an AdmissionReview (admission.k8s.io/v1 or v1beta1) with a request.',
  WEFT_ERR_ADMISSION_BAD_OBJECT: 'The AdmissionReview request carries no Pod object.',
} as const;

/** One of {@link WEBHOOK_ERROR_CODES}. */
export type WebhookErrorCode = keyof typeof WEBHOOK_ERROR_CODES;

/** A failure of injection or admission, with its code and the message an API server user sees. */
export class InjectionError extends Error {
  readonly code: WebhookErrorCode;
  constructor(code: WebhookErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InjectionError';
    this.code = code;
  }
}
