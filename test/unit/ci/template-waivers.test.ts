import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareWithWaivers, type Finding, parseWaivers, WAIVERS_FILE } from '../../../scripts/check-template';

const finding = (check: string, resource: string, tool: Finding['tool'] = 'checkov'): Finding => ({ tool, check, resource, message: check });

describe('template waivers (.ci/template-waivers.txt)', () => {
  it('parses the checked-in file: every line has a tool, a check, a resource and a reason', () => {
    const waivers = parseWaivers(readFileSync(WAIVERS_FILE, 'utf8'));
    expect(waivers.length).toBeGreaterThan(0);
    for (const w of waivers) expect(w.reason.length).toBeGreaterThan(20);
  });

  it('refuses a line without a reason', () => {
    expect(() => parseWaivers('checkov CKV_AWS_1 AWS::S3::Bucket.B\n')).toThrow(/template-waivers.txt:1/);
  });

  it.each([
    {
      name: 'exact resource',
      waiver: 'checkov CKV_AWS_115 AWS::Lambda::Function.AFn | r',
      found: finding('CKV_AWS_115', 'AWS::Lambda::Function.AFn'),
      waived: true,
    },
    { name: 'glob', waiver: 'checkov CKV_AWS_117 AWS::Lambda::Function.* | r', found: finding('CKV_AWS_117', 'AWS::Lambda::Function.New'), waived: true },
    {
      name: 'other resource: a new finding',
      waiver: 'checkov CKV_AWS_115 AWS::Lambda::Function.AFn | r',
      found: finding('CKV_AWS_115', 'AWS::Lambda::Function.BFn'),
      waived: false,
    },
    {
      name: 'other check',
      waiver: 'checkov CKV_AWS_115 AWS::Lambda::Function.* | r',
      found: finding('CKV_AWS_158', 'AWS::Lambda::Function.AFn'),
      waived: false,
    },
    {
      name: 'other tool',
      waiver: 'checkov W3005 AWS::Lambda::Function.* | r',
      found: finding('W3005', 'AWS::Lambda::Function.AFn', 'cfn-lint'),
      waived: false,
    },
    { name: 'dot is literal', waiver: 'checkov C1 AWS::S3::Bucket.B | r', found: finding('C1', 'AWS::S3::BucketxB'), waived: false },
  ])('$name', ({ waiver, found, waived }) => {
    const result = compareWithWaivers([found], parseWaivers(waiver));
    expect({ waived: result.waived.length, unwaived: result.unwaived.length, stale: result.staleWaivers.length }).toEqual(
      waived ? { waived: 1, unwaived: 0, stale: 0 } : { waived: 0, unwaived: 1, stale: 1 },
    );
  });
});
