export { freePort } from '@gatehouse/dev-idp/testing';
