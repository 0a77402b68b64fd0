/**
 * Just enough CloudFormation typing and traversal for the template tests: a packaged template is
 * JSON, so every value is `Json` and the helpers narrow it.
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface CfnResource {
  Type: string;
  Properties?: JsonObject;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: JsonObject;
}

export interface CfnOutput {
  Description?: string;
  Value: Json;
  Export?: { Name: Json };
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, CfnOutput>;
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: Json;
  NotResource?: Json;
  Principal?: Json;
  Condition?: JsonObject;
}

/** A statement together with where it was found, for readable failure messages. */
export interface LocatedStatement {
  where: string;
  statement: PolicyStatement;
}

export const isObject = (value: Json | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** `{ Ref: 'X' }` → `'X'`. */
export const refOf = (value: Json | undefined): string | undefined => (isObject(value) && typeof value.Ref === 'string' ? value.Ref : undefined);

/** `{ 'Fn::GetAtt': ['X', 'Arn'] }` → `['X', 'Arn']`. */
export const getAttOf = (value: Json | undefined): [string, string] | undefined => {
  if (!isObject(value)) return undefined;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && typeof getAtt[1] === 'string') {
    return [getAtt[0], getAtt[1]];
  }
  return undefined;
};

export const resourcesOfType = (template: CfnTemplate, type: string): [string, CfnResource][] =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

export const prop = (resource: CfnResource | undefined, name: string): Json | undefined => resource?.Properties?.[name];

const statementsOf = (document: Json | undefined, where: string): LocatedStatement[] => {
  if (!isObject(document)) return [];
  return asArray(document.Statement as Json[] | Json | undefined).map((statement) => ({
    where,
    statement: statement as unknown as PolicyStatement,
  }));
};

/**
 * Identity-based policy statements (what a role may do): inline role policies and IAM (managed)
 * policies. Trust policies are excluded: they say who may assume the role.
 */
export const identityStatements = (template: CfnTemplate): LocatedStatement[] =>
  Object.entries(template.Resources).flatMap(([id, resource]) => {
    if (resource.Type === 'AWS::IAM::Role') {
      return asArray(prop(resource, 'Policies') as Json[] | undefined).flatMap((policy) =>
        isObject(policy) ? statementsOf(policy.PolicyDocument, `${id}/${String(policy.PolicyName)}`) : [],
      );
    }
    if (resource.Type === 'AWS::IAM::ManagedPolicy' || resource.Type === 'AWS::IAM::Policy') {
      return statementsOf(prop(resource, 'PolicyDocument'), id);
    }
    return [];
  });

/** Every policy statement anywhere in the template (identity, trust and resource policies). */
export const allStatements = (template: CfnTemplate): LocatedStatement[] => {
  const found: LocatedStatement[] = [];
  const walk = (value: Json | undefined, where: string): void => {
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) walk(item, `${where}[${index}]`);
      return;
    }
    if (!isObject(value)) return;
    if (Array.isArray(value.Statement) && (value.Version !== undefined || value.Statement.length > 0)) {
      found.push(...statementsOf(value, where));
    }
    for (const [key, child] of Object.entries(value)) {
      if (key !== 'Statement') walk(child, `${where}.${key}`);
    }
  };
  for (const [id, resource] of Object.entries(template.Resources)) walk(resource.Properties, id);
  return found;
};

/** Resource part of a statement as stable strings (intrinsics are JSON-encoded). */
export const resourcesOfStatement = (statement: PolicyStatement): string[] =>
  asArray(statement.Resource as Json | Json[] | undefined).map((resource) => (typeof resource === 'string' ? resource : JSON.stringify(resource)));
