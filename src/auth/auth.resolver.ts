import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { ConsentChannel } from '../modules/consents/consent.entity';
import { AuthPayload, SignUpInput } from './auth.types';

@Resolver()
export class AuthResolver {
  @Mutation(() => AuthPayload, { description: 'Creates a MEMBER or ENTERPRISE account with its consents, and signs it in.' })
  signUp(
    @Arg('input', () => SignUpInput, { description: 'The new account, its consents and the privacy-policy version they were given against.' }) input: SignUpInput,
    @Arg('channel', () => ConsentChannel, { nullable: true, defaultValue: ConsentChannel.WEB, description: 'Where the consents are given.' }) channel: ConsentChannel | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.auth.signUp(ctx, input, channel ?? ConsentChannel.WEB);
  }

  @Mutation(() => AuthPayload, { description: 'Signs in; 5 failures in a row lock the account for 15 minutes.' })
  signIn(@Arg('email', () => String, { description: 'The account\'s email address.' }) email: string, @Arg('password', () => String, { description: 'The account\'s password.' }) password: string, @Ctx() ctx: Context) {
    return ctx.services.auth.signIn(ctx, email, password);
  }

  @Mutation(() => AuthPayload, { description: 'Exchanges a refresh token for new tokens; each refresh token works once.' })
  refreshToken(@Arg('refreshToken', () => String, { description: 'The refresh token of the latest sign-in or refresh; each works once.' }) refreshToken: string, @Ctx() ctx: Context) {
    return ctx.services.auth.refresh(ctx, refreshToken);
  }

  @Mutation(() => Boolean, { description: 'Ends the current session.' })
  signOut(@Ctx() ctx: Context) {
    return ctx.services.auth.signOut(ctx);
  }

  @Mutation(() => Boolean, { description: 'Changes the password and ends every session.' })
  changePassword(
    @Arg('currentPassword', () => String, { description: 'The password in use now.' }) currentPassword: string,
    @Arg('newPassword', () => String, { description: 'At least 10 characters of 2 kinds (letters, digits, symbols), or 8 of all 3.' }) newPassword: string,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.auth.changePassword(ctx, currentPassword, newPassword);
  }
}
