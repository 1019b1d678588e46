import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { ConsentChannel } from './consent.entity';
import { Consent, ConsentInput, ConsentPurposeInfo } from './consent.types';

@Resolver()
export class ConsentResolver {
  @Query(() => [ConsentPurposeInfo], { description: 'Every consent purpose: what it covers, whether required, how long data is kept.' })
  consentPurposes(@Ctx() ctx: Context) {
    return ctx.services.consents.purposes(ctx.em);
  }

  @Mutation(() => [Consent], { description: "Gives or withdraws the caller's consents; each change is appended to the history." })
  updateConsents(
    @Arg('consents', () => [ConsentInput], { description: 'Decisions, one per purpose at most.' }) consents: ConsentInput[],
    @Arg('channel', () => ConsentChannel, { nullable: true, defaultValue: ConsentChannel.WEB, description: 'Where the decision is made.' }) channel: ConsentChannel | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.consents.update(ctx, consents, channel ?? ConsentChannel.WEB);
  }
}
