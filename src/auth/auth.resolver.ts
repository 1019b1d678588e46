import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { ConsentChannel } from '../modules/consents/consent.entity';
import { AuthPayload, SignUpInput } from './auth.types';

@Resolver()
export class AuthResolver {
  @Mutation(() => AuthPayload, { description: 'Creates a MEMBER or ENTERPRISE account with its consents, and signs it in.' })
  signUp(
    @Arg('input', () => SignUpInput) input: SignUpInput,
    @Arg('channel', () => ConsentChannel, { nullable: true, defaultValue: ConsentChannel.WEB, description: 'Where the consents are given.' }) channel: ConsentChannel | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.auth.signUp(ctx, input, channel ?? ConsentChannel.WEB);
  }

  @Mutation(() => AuthPayload, { description: 'Signs in; 5 failures in a row lock the account for 15 minutes.' })
  signIn(@Arg('email', () => String) email: string, @Arg('password', () => String) password: string, @Ctx() ctx: Context) {
    return ctx.services.auth.signIn(ctx, email, password);
  }

  @Mutation(() => AuthPayload, { description: 'Exchanges a refresh token for new tokens; each refresh token works once.' })
  refreshToken(@Arg('refreshToken', () => String) refreshToken: string, @Ctx() ctx: Context) {
    return ctx.services.auth.refresh(ctx, refreshToken);
  }

  @Mutation(() => Boolean, { description: 'Ends the current session.' })
  signOut(@Ctx() ctx: Context) {
    return ctx.services.auth.signOut(ctx);
  }

  @Mutation(() => Boolean, { description: 'Changes the password and ends every session.' })
  changePassword(
    @Arg('currentPassword', () => String) currentPassword: string,
    @Arg('newPassword', () => String) newPassword: string,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.auth.changePassword(ctx, currentPassword, newPassword);
  }
}
