import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { PrivacyContactType, PrivacyPolicyType, ProcessorType, PublishPrivacyPolicyInput, RetentionPolicyType } from './policy.types';

@Resolver()
export class PolicyResolver {
  @Query(() => PrivacyPolicyType, { nullable: true, description: 'A policy version; without a version, the one in effect.' })
  privacyPolicy(@Arg('version', () => String, { nullable: true, description: 'Version label.' }) version: string | null, @Ctx() ctx: Context) {
    return ctx.services.policies.find(ctx.em, version);
  }

  @Query(() => [PrivacyPolicyType], { description: 'Every policy version, newest first.' })
  privacyPolicies(@Ctx() ctx: Context) {
    return ctx.services.policies.all(ctx.em);
  }

  @Query(() => [ProcessorType], { description: 'Companies processing personal data on our behalf.' })
  processors(@Ctx() ctx: Context) {
    return ctx.services.policies.processors(ctx.em);
  }

  @Query(() => [PrivacyContactType], { description: 'Whom to contact about personal data.' })
  privacyContacts(@Ctx() ctx: Context) {
    return ctx.services.policies.privacyContacts();
  }

  @Query(() => [RetentionPolicyType], { description: 'How long each category of personal data is kept.' })
  retentionPolicies(@Ctx() ctx: Context) {
    return ctx.services.policies.retentionPolicies(ctx.em);
  }

  @Mutation(() => PrivacyPolicyType, { description: 'Publishes a new policy version taking effect at least 7 days later (PRIVACY_OFFICER).' })
  publishPrivacyPolicy(@Arg('input', () => PublishPrivacyPolicyInput, { description: 'The policy version, its text and when it takes effect (at least 7 days ahead).' }) input: PublishPrivacyPolicyInput, @Ctx() ctx: Context) {
    return ctx.services.policies.publish(ctx, input);
  }
}
