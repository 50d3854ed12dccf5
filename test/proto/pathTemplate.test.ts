import { matchPath, parsePathTemplate } from '../../proto/pathTemplate';

describe('google.api.http path templates', () => {
  const byId = parsePathTemplate('/v1/users/{id}');
  const nested = parsePathTemplate('/v1/users/{user.id}');
  const watch = parsePathTemplate('/v1/users:watch');
  const list = parsePathTemplate('/v1/users');

  it('binds variables, %-decoded, to their field paths', () => {
    expect(matchPath(byId, '/v1/users/abc')).toEqual(new Map([['id', 'abc']]));
    expect(matchPath(nested, '/v1/users/a%2Fb%20c')).toEqual(new Map([['user.id', 'a/b c']]));
  });

  it('tells a custom verb from an id', () => {
    expect(watch.verb).toBe('watch');
    expect(matchPath(watch, '/v1/users:watch')).toEqual(new Map());
    expect(matchPath(watch, '/v1/users')).toBeUndefined();
    expect(matchPath(list, '/v1/users:watch')).toBeUndefined();
    expect(matchPath(byId, '/v1/users:watch')).toBeUndefined();
  });

  it('matches whole paths only', () => {
    expect(matchPath(byId, '/v1/users/')).toBeUndefined();
    expect(matchPath(byId, '/v1/users/a/b')).toBeUndefined();
    expect(matchPath(byId, '/v2/users/a')).toBeUndefined();
    expect(matchPath(byId, '/v1/users/%E0%A4%A')).toBeUndefined(); // a broken escape is no match, not a crash
  });

  it('refuses template syntax it does not implement, rather than routing wrongly', () => {
    expect(() => parsePathTemplate('/v1/{name=users/*}')).toThrow(/not supported/);
    expect(() => parsePathTemplate('v1/users')).toThrow(/must start with/);
  });
});
