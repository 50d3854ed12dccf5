import { Code } from '../../../lib/code';
import { InvalidArgumentError, NotFoundError, RequestIdReusedError, toStatus } from '../../../lib/errors';
import { errorDetailsOf } from '../../../runtime/call/errorDetails';

/** The details as both transports build them: the code is always toStatus's for the same error. */
const detailsOf = (error: unknown) => errorDetailsOf(error, toStatus(error, () => {}).code);

describe('errorDetailsOf', () => {
  it('names a bad field in a BadRequest and an ErrorInfo', () => {
    expect(detailsOf(new InvalidArgumentError('email', 'is empty'))).toEqual({
      badRequest: { field_violations: [{ field: 'email', description: 'is empty' }] },
      errorInfo: { reason: 'INVALID_ARGUMENT', domain: 'userservice', metadata: { field: 'email' } },
    });
  });

  it("gives an error's own reason, else its code's name", () => {
    expect(detailsOf(new RequestIdReusedError('r-1')).errorInfo).toEqual({
      reason: 'REQUEST_ID_REUSED',
      domain: 'userservice',
      metadata: { request_id: 'r-1' },
    });
    expect(detailsOf(new NotFoundError('User u not found')).errorInfo).toEqual({ reason: 'NOT_FOUND', domain: 'userservice', metadata: {} });
  });

  it('says INTERNAL for anything that is not a ServiceError, and no more', () => {
    expect(toStatus(new TypeError('a bug'), () => {}).code).toBe(Code.INTERNAL);
    expect(detailsOf(new TypeError('a bug'))).toEqual({ errorInfo: { reason: 'INTERNAL', domain: 'userservice', metadata: {} } });
    expect(detailsOf('a thrown string')).toEqual({ errorInfo: { reason: 'INTERNAL', domain: 'userservice', metadata: {} } });
  });
});
