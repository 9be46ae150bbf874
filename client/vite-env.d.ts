/// <reference types="vite/client" />

/** The user's env modules (see vite.config.ts); importing it runs their registerEnv calls. */
declare module 'virtual:tabswarm-env-modules' {}
