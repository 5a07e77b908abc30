/**
 * One SOAP request in, one SOAP answer out, with no HTTP in sight: read the envelope, check the
 * UsernameToken (except for anonymous operations), find the operation, run it. Whatever arrives,
 * the answer is an envelope — a result or a fault — and this function never throws.
 */
import { buildSoapEnvelope } from '../../sim/protocol/devices/soap-builder.js';
import type { Credentials } from '../../sim/protocol/devices/ws-security-token.js';
import { CAMERA_RESPONSE_NAMESPACES } from './onvif-namespaces.js';
import type { ActionTable, CameraServiceContext } from './soap-action.js';
import { buildFaultEnvelope, readSoapRequest, type SoapRequest } from './soap-envelope.js';
import { SoapFault, SoapFaults } from './soap-fault.js';
import { verifyUsernameToken, type AuthFailureReason, type AuthVerdict } from './ws-security.js';

export interface SoapEndpointSettings {
  readonly actions: ActionTable;
  readonly credentials: Credentials;
  /** Largest accepted |device clock − UsernameToken Created|. */
  readonly clockToleranceMs: number;
}

/**
 * answered: a result; fault: a fault the request earned (bad argument, unknown operation);
 * malformed: not a SOAP 1.2 request; auth-failed: credentials missing or wrong; injected-fault: the
 * camera's fault rate fired; internal-error: a handler broke (a bug, counted apart).
 */
export type SoapOutcome = 'answered' | 'fault' | 'malformed' | 'auth-failed' | 'injected-fault' | 'internal-error';

export interface SoapAnswer {
  readonly status: number;
  readonly xml: string;
  /** The operation's name when the camera implements it, 'unknown' for any other, undefined when the request was not SOAP. */
  readonly action: string | undefined;
  readonly outcome: SoapOutcome;
  readonly fault?: SoapFault;
  readonly authFailure?: AuthFailureReason;
  /** What broke, for internal-error. */
  readonly error?: unknown;
}

export const UNKNOWN_ACTION = 'unknown';

export function answerSoapRequest(
  text: string,
  context: CameraServiceContext,
  settings: SoapEndpointSettings,
  injectFault: () => boolean,
): SoapAnswer {
  let request: SoapRequest;
  try {
    request = readSoapRequest(text);
  } catch (error) {
    if (error instanceof SoapFault) return faultAnswer(error, undefined, 'malformed');
    return internalError(error, undefined);
  }
  const { operation } = request;
  const action = settings.actions.find(operation.ns, operation.local);
  const actionName = action?.name ?? UNKNOWN_ACTION;
  try {
    if (action?.anonymous !== true) {
      const verdict = verifyUsernameToken(request.header, settings.credentials, context.now().getTime(), settings.clockToleranceMs);
      if (!verdict.ok) return { ...faultAnswer(SoapFaults.notAuthorized(clientDetail(verdict)), actionName, 'auth-failed'), authFailure: verdict.reason };
    }
    if (action === undefined) {
      const fault = settings.actions.servesNamespace(operation.ns)
        ? SoapFaults.actionNotSupported(operation.local)
        : SoapFaults.unknownAction(`{${operation.ns}}${operation.local}`);
      return faultAnswer(fault, actionName, 'fault');
    }
    if (injectFault()) return faultAnswer(SoapFaults.actionFailed('fault injected by the twinlab fault settings'), actionName, 'injected-fault');
    const body = action.handle(operation, context);
    return { status: 200, xml: buildSoapEnvelope({ namespaces: CAMERA_RESPONSE_NAMESPACES, body }), action: actionName, outcome: 'answered' };
  } catch (error) {
    if (error instanceof SoapFault) return faultAnswer(error, actionName, 'fault');
    return internalError(error, actionName);
  }
}

/** A real camera does not say whether the user or the password was wrong; clock and format problems it may. */
function clientDetail(verdict: Exclude<AuthVerdict, { ok: true }>): string {
  switch (verdict.reason) {
    case 'unknown-user':
    case 'wrong-password':
      return 'the username or password is wrong';
    case 'missing-token':
    case 'malformed-token':
    case 'stale-created':
      return verdict.detail;
  }
}

function faultAnswer(fault: SoapFault, action: string | undefined, outcome: SoapOutcome): SoapAnswer {
  return { status: fault.httpStatus, xml: buildFaultEnvelope(fault, CAMERA_RESPONSE_NAMESPACES), action, outcome, fault };
}

function internalError(error: unknown, action: string | undefined): SoapAnswer {
  return { ...faultAnswer(SoapFaults.actionFailed('internal error in the fake camera'), action, 'internal-error'), error };
}
