import { createContext, useContext } from 'react';
import type { WebConfig } from '../config.ts';

export const ConfigContext = createContext<WebConfig | null>(null);

export function useConfig(): WebConfig {
  const config = useContext(ConfigContext);
  if (!config) throw new Error('no config');
  return config;
}
